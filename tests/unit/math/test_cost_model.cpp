// Cost coefficients of the usd objective, the T_eff identity, and hardware-scenario resolution.
#include "scalesweep/error.hpp"
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "plan/hardware.hpp"
#include "plan/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace scalesweep;

std::string plain(std::string_view f) {
  return std::string(f);
}

hardware_scenario preset(const char* name) {
  hardware_spec spec;
  spec.name = name;
  spec.preset = name;
  return resolve_hardware(spec, plain);
}

// SPEC §1.3 defaults, by hand: training $2/h on 0.5 x 989e12 FLOP/s; serving $2/h on 1.978e15
// FLOP/s (the reference code's H100_FP8_OPS in its cost_calculator.py, not the datasheet's
// 1979e12) with 70/285 of the tokens at MFU 0.5 and 215/285 at MFU 0.01. Each side is a few
// correctly rounded operations: 4 ulp.
TEST(CostModel, UsdCoefficientsOfTheReferenceDefaults) {
  const cost_coefficients k = usd_cost_coefficients(preset("sardana2024-default"));
  const double train = (2.0 / 3600) / (0.5 * 989e12);
  const double inference = (2.0 / 3600) / 1.978e15 * (70.0 / 285 / 0.5 + 215.0 / 285 / 0.01);
  EXPECT_NEAR(k.train, train, 4e-16 * train);
  EXPECT_NEAR(k.inference, inference, 4e-16 * inference);
}

// Every objective is k_tr 6ND + k_inf 2NT, so its optimum is the FLOP optimum at
// T_eff = T k_inf/k_tr (SPEC §1.2): same (N, D), and the cost scales by k_tr.
TEST(CostModel, UsdOptimumIsTheFlopOptimumAtEffectiveDemand) {
  const scaling_law L = find_law_preset("sardana2024")->law;
  for (const hardware_preset& p : hardware_presets()) {
    const cost_coefficients k = usd_cost_coefficients(preset(std::string(p.name).c_str()));
    for (double T : {1e9, 1e12, 1e15}) {
      const loss_target_result usd = loss_target_optimum(L, k, 2.0, T);
      const loss_target_result flops =
          loss_target_optimum(L, {1, 1}, 2.0, effective_inference_tokens(k, T));
      ASSERT_EQ(usd.status, cell_status::ok);
      // The usd path forms ln T_eff as ln T + ln(k_inf/k_tr), the flops path as ln(T_eff): they
      // differ by rounding (~1e-16 absolute in ln T_eff), which 1/beta ~ 3.5 and the condition
      // of the optimum amplify to a few 1e-15 in N and D. 1e-13 bounds that with margin.
      EXPECT_NEAR(usd.N, flops.N, 1e-13 * flops.N) << p.name;
      EXPECT_NEAR(usd.D, flops.D, 1e-13 * flops.D) << p.name;
      // flops.cost is in FLOPs at T_eff; times k_tr it is the dollar cost.
      EXPECT_NEAR(usd.cost, k.train * flops.cost, 1e-13 * usd.cost) << p.name;
    }
  }
}

// SPEC §5.6: each optimum carries D/N and its cost's parts, k_tr 6ND and k_inf 2NT (SPEC §1.2),
// written out here from the stored N, D: the same correctly rounded operations, so bitwise.
TEST(CostModel, OptimaCarryTokensPerParameterAndTheCostSplit) {
  const scaling_law L = find_law_preset("sardana2024")->law;
  const cost_coefficients k = usd_cost_coefficients(preset("sardana2024-default"));
  const double T = 2e12;
  const loss_target_result r = loss_target_optimum(L, k, 2.0, T);
  ASSERT_EQ(r.status, cell_status::ok);
  EXPECT_EQ(r.tokens_per_param, r.D / r.N);
  EXPECT_EQ(r.train_cost, k.train * (6.0 * r.N * r.D));
  EXPECT_EQ(r.serve_cost, k.inference * (2.0 * r.N * T));
  EXPECT_EQ(r.cost, r.train_cost + r.serve_cost);
  EXPECT_EQ(r.chinchilla_tokens_per_param, r.chinchilla_D / r.chinchilla_N);
  EXPECT_EQ(r.chinchilla_train_cost, k.train * (6.0 * r.chinchilla_N * r.chinchilla_D));
  EXPECT_EQ(r.chinchilla_serve_cost, k.inference * (2.0 * r.chinchilla_N * T));
  EXPECT_EQ(r.chinchilla_cost, r.chinchilla_train_cost + r.chinchilla_serve_cost);

  // The budget optimum spends the budget C (its N and D come from logs: rounding, 1e-13); the
  // Chinchilla budget model (T = 0 optimum) spends all of C on training and overspends by
  // serving T.
  const double C = 1e7;
  const budget_result b = budget_optimum(L, k, C, T);
  ASSERT_EQ(b.status, cell_status::ok);
  EXPECT_EQ(b.tokens_per_param, b.D / b.N);
  EXPECT_EQ(b.train_cost, k.train * (6.0 * b.N * b.D));
  EXPECT_EQ(b.serve_cost, k.inference * (2.0 * b.N * T));
  EXPECT_NEAR(b.train_cost + b.serve_cost, C, 1e-13 * C);
  EXPECT_EQ(b.chinchilla_tokens_per_param, b.chinchilla_D / b.chinchilla_N);
  EXPECT_NEAR(b.chinchilla_train_cost, C, 1e-13 * C);
  EXPECT_EQ(b.chinchilla_serve_cost, k.inference * (2.0 * b.chinchilla_N * T));
  EXPECT_GT(b.chinchilla_serve_cost, 0);

  // No optimum: every figure NaN.
  const loss_target_result none = loss_target_optimum(L, k, 1.0, T); // below E
  EXPECT_EQ(none.status, cell_status::infeasible);
  EXPECT_TRUE(std::isnan(none.tokens_per_param) && std::isnan(none.train_cost) &&
              std::isnan(none.chinchilla_serve_cost));
}

TEST(CostModel, EveryPresetResolvesToFinitePositiveCoefficients) {
  for (const hardware_preset& p : hardware_presets()) {
    const hardware_scenario h = preset(std::string(p.name).c_str());
    const cost_coefficients k = usd_cost_coefficients(h);
    EXPECT_TRUE(std::isfinite(k.train) && k.train > 0) << p.name;
    EXPECT_TRUE(std::isfinite(k.inference) && k.inference > 0) << p.name;
    EXPECT_EQ(h.train.peak_flops, *find_gpu_preset(h.train.gpu)->peak(h.train.dtype)) << p.name;
  }
}

// presets.cpp: decode is memory-bound, so a preset's decode MFU is the reference's 0.01 on H100
// fp8 scaled by (bandwidth / fp8 peak) relative to the H100's. Recomputed from the GPU table;
// presets print 3 significant digits, so they agree to half a unit in the last (0.5e-4).
// A preset is a partial scenario that resolution completes from the GPU table: it must set every
// field of hardware.hpp's tables but the peak, which a preset leaves to its GPU and dtype (except
// where its source uses another figure: sardana2024-default serves at the reference code's
// H100_FP8_OPS = 1.978e15, cost_calculator.py of Sardana et al.'s code, not the datasheet's
// 1979e12), and the energy fields, whose defaults are the GPU's board power, PUE 1 and no grid
// intensity.
TEST(CostModel, EveryPresetSetsEachFieldButThePeak) {
  for (const hardware_preset& h : hardware_presets()) {
    for_each_hardware_side([&](auto side) {
      for (const auto& f : side.given_fields()) {
        const bool set = f.text != nullptr ? side.of(h).*f.text != std::nullopt
                                           : side.of(h).*f.number != std::nullopt;
        const bool own_peak = f.rule == field_rule::peak && h.name == "sardana2024-default" &&
                              side.name == "serve";
        const bool defaulted = (f.rule == field_rule::peak && !own_peak) ||
                               f.rule == field_rule::power || f.rule == field_rule::pue ||
                               f.rule == field_rule::intensity;
        EXPECT_EQ(set, !defaulted) << h.name << " " << side.name << "." << f.key;
      }
    });
  }
  const hardware_scenario reference = preset("sardana2024-default");
  EXPECT_EQ(reference.serve.peak_flops, 1.978e15);
  EXPECT_EQ(reference.serve.gpu, "H100-SXM");
  EXPECT_EQ(reference.serve.dtype, "fp8");
  EXPECT_EQ(*find_gpu_preset("H100-SXM")->peak("fp8"), 1979e12);
}

// The preset's own peak belongs to its GPU and dtype: another GPU or dtype takes the GPU table's.
TEST(CostModel, APresetsOwnPeakYieldsToAnotherGpuOrDtype) {
  hardware_spec spec;
  spec.name = "x";
  spec.preset = "sardana2024-default";
  spec.serve.dtype = "bf16";
  EXPECT_EQ(resolve_hardware(spec, plain).serve.peak_flops, 989e12);
  spec.serve.dtype = std::nullopt;
  spec.serve.gpu = "H200";
  spec.serve.dtype = "fp8";
  EXPECT_EQ(resolve_hardware(spec, plain).serve.peak_flops, 1979e12);
  spec.serve.gpu = std::nullopt;
  spec.serve.dtype = std::nullopt;
  spec.serve.peak_flops = 2e15;
  EXPECT_EQ(resolve_hardware(spec, plain).serve.peak_flops, 2e15);
}

TEST(CostModel, DecodeMfusScaleWithBandwidthPerPeakFlop) {
  const auto bytes_per_flop = [](std::string_view gpu, std::string_view dtype) {
    const gpu_preset* g = find_gpu_preset(gpu);
    return g->bandwidth_bytes_per_s / *g->peak(dtype);
  };
  const double h100 = bytes_per_flop("H100-SXM", "fp8");
  int checked = 0;
  for (const hardware_preset& h : hardware_presets()) {
    if (h.serve.dtype != "fp8") {
      continue; // the README example's int8 A100 and bf16 serving take their MFUs as given
    }
    const double expected = 0.01 * bytes_per_flop(*h.serve.gpu, *h.serve.dtype) / h100;
    EXPECT_NEAR(*h.serve.decode_mfu, expected, 0.5e-4) << h.name;
    ++checked;
  }
  EXPECT_GE(checked, 5); // sardana2024-default, h200, b200, mi300x, l40s
}

// MFU ranges are (0, 1]: 1 itself is a valid (if optimistic) utilisation.
TEST(CostModel, MfuOfOneIsAccepted) {
  hardware_spec spec;
  spec.name = "ideal";
  spec.preset = "sardana2024-default";
  spec.train.mfu = 1.0;
  spec.serve.prefill_mfu = 1.0;
  spec.serve.decode_mfu = 1.0;
  const hardware_scenario h = resolve_hardware(spec, plain);
  EXPECT_EQ(h.train.mfu, 1.0);
  EXPECT_EQ(h.serve.decode_mfu, 1.0);
}

TEST(CostModel, OverridesWinOverThePreset) {
  hardware_spec spec;
  spec.name = "x";
  spec.preset = "sardana2024-default";
  spec.train.mfu = 0.25;
  spec.serve.gpu = "A100-80GB";
  spec.serve.dtype = "int8";
  const hardware_scenario h = resolve_hardware(spec, plain);
  EXPECT_EQ(h.train.mfu, 0.25);
  EXPECT_EQ(h.train.gpu, "H100-SXM");
  EXPECT_EQ(h.serve.peak_flops, 624e12);
  EXPECT_EQ(h.serve.decode_mfu, 0.01);
}

TEST(CostModel, ExplicitPeakNeedsNoGpuPreset) {
  hardware_spec spec;
  spec.name = "custom";
  spec.train = {std::nullopt, std::nullopt, 1e15, 0.4, 3.0};
  spec.serve = {std::nullopt, std::nullopt, 2e15, 0.4, 0.02, 3.0, 100.0, 100.0};
  const hardware_scenario h = resolve_hardware(spec, plain);
  EXPECT_EQ(h.train.gpu, "custom");
  EXPECT_EQ(h.serve.peak_flops, 2e15);
  EXPECT_EQ(h.serve.input_fraction(), 0.5);
}

void expect_error(const hardware_spec& spec, const std::string& fragment) {
  try {
    resolve_hardware(spec, [](std::string_view f) { return "<" + std::string(f) + ">"; });
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(CostModel, ResolutionErrorsNameTheFieldAndTheAllowedValues) {
  hardware_spec base;
  base.name = "x";
  base.preset = "sardana2024-default";

  hardware_spec s = base;
  s.preset = "h100-typo";
  expect_error(s, "<preset>: unknown hardware preset 'h100-typo'; allowed: sardana2024-default");
  s = base;
  s.train.gpu = "H100";
  expect_error(s, "<train.gpu>: unknown GPU 'H100' (did you mean 'H100-SXM'?); allowed: A100-40GB");
  s = base;
  s.serve.gpu = "A100-40GB";
  expect_error(s, "<serve.dtype>: A100-40GB has no dense peak for 'fp8'; allowed: fp64, tf32, "
                  "bf16, fp16, int8");
  s = base;
  s.train.mfu = 1.5;
  expect_error(s, "<train.mfu> = 1.5 is outside (0, 1]");
  s = base;
  s.serve.decode_mfu = 0.0;
  expect_error(s, "<serve.decode_mfu> = 0 is outside (0, 1]");
  s = base;
  s.serve.usd_per_hour = -1.0;
  expect_error(s, "<serve.usd_per_hour> = -1 must be finite and > 0");
  s = base;
  s.serve.input_tokens = 0.0;
  s.serve.output_tokens = 0.0;
  expect_error(s, "<serve.input_tokens> + <serve.output_tokens> = 0 must be finite and > 0");
  // A sum past double range would price every token as decode (issue 18).
  s.serve.input_tokens = 9e307;
  s.serve.output_tokens = 9e307;
  expect_error(s, "<serve.input_tokens> + <serve.output_tokens> = inf must be finite and > 0");
  hardware_spec bare;
  bare.name = "bare";
  bare.train.gpu = "H100-SXM";
  bare.train.dtype = "bf16";
  expect_error(bare, "<train.mfu> is required when no preset is given");
}

} // namespace
