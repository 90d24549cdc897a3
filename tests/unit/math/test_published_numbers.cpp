// Every published number of SPEC §1.5, with its source. Tolerance: half a unit in the last digit
// the source prints (a number printed as 6.97e9 may be anything in [6.965e9, 6.975e9)).
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "plan/hardware.hpp"
#include "plan/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace scalesweep;

const scaling_law& sardana() {
  return find_law_preset("sardana2024")->law;
}

// "X-B Chinchilla quality": the loss of an N0-parameter model trained on its Chinchilla
// compute-optimal token count, from Hoffmann et al.'s closed form D = G^-1 (N0/G)^(alpha/beta),
// G = (alpha A/(beta B))^(1/(alpha+beta)) (SPEC §1.4, §1.5), written out here independently.
double chinchilla_quality(double N0) {
  const scaling_law& L = sardana();
  const double G = std::pow(L.alpha * L.A / (L.beta * L.B), 1 / (L.alpha + L.beta));
  const double D0 = std::pow(N0 / G, L.alpha / L.beta) / G;
  return L.E + L.A * std::pow(N0, -L.alpha) + L.B * std::pow(D0, -L.beta);
}

loss_target_result flops_optimum(double target, double T) {
  const loss_target_result r = loss_target_optimum(sardana(), {1, 1}, target, T);
  EXPECT_EQ(r.status, cell_status::ok);
  return r;
}

double saving(const loss_target_result& r) {
  return 1 - r.cost / r.chinchilla_cost;
}

// Sardana et al. 2024, Figure 1 and its caption: 13B Chinchilla quality at 2e12 inference tokens.
TEST(PublishedNumbers, Sardana2024Figure1ThirteenBillionQuality) {
  const double target = chinchilla_quality(13e9);
  EXPECT_NEAR(target, 2.0452818, 0.5e-7); // SPEC §1.5 prints 8 digits
  const loss_target_result r = flops_optimum(target, 2e12);
  EXPECT_NEAR(r.N, 6.97e9, 0.005e9);
  EXPECT_NEAR(r.chinchilla_cost - r.cost, 1.69e22, 0.005e22);
  EXPECT_NEAR(saving(r), 0.174, 0.0005);
}

// Sardana et al. 2024, §2: 7B quality at 1e11 tokens: 6.0B parameters on 1.18x the data.
TEST(PublishedNumbers, Sardana2024Section2SevenBillionQuality) {
  const loss_target_result r = flops_optimum(chinchilla_quality(7e9), 1e11);
  EXPECT_NEAR(r.N, 6.0e9, 0.05e9);
  EXPECT_NEAR(r.D / r.chinchilla_D, 1.18, 0.005);
}

// Sardana et al. 2024, §2: 30B quality at 1e13 tokens: 13.6B parameters, 2.84x data, 28 % fewer
// FLOPs.
TEST(PublishedNumbers, Sardana2024Section2ThirtyBillionQuality) {
  const loss_target_result r = flops_optimum(chinchilla_quality(30e9), 1e13);
  EXPECT_NEAR(r.N, 13.6e9, 0.05e9);
  EXPECT_NEAR(r.D / r.chinchilla_D, 2.84, 0.005);
  EXPECT_NEAR(saving(r), 0.28, 0.005);
}

// Sardana et al. 2024, Appendix B.1: 70B quality at 1e13 tokens: 41.6B parameters on 7.92e12
// tokens, 12 % fewer FLOPs.
TEST(PublishedNumbers, Sardana2024AppendixB1SeventyBillionQuality) {
  const loss_target_result r = flops_optimum(chinchilla_quality(70e9), 1e13);
  EXPECT_NEAR(r.N, 41.6e9, 0.05e9);
  EXPECT_NEAR(r.D, 7.92e12, 0.005e12);
  EXPECT_NEAR(saving(r), 0.12, 0.005);
}

// README of Sardana et al.'s reference code, flops example: loss 1.947, 2e12 inference tokens.
TEST(PublishedNumbers, ReferenceCodeReadmeFlopsExample) {
  const loss_target_result r = flops_optimum(1.947, 2e12);
  EXPECT_NEAR(r.N, 2.418e10, 0.0005e10);
  EXPECT_NEAR(r.D, 2.657e12, 0.0005e12);
  EXPECT_NEAR(100 * r.N / r.chinchilla_N, 70.96, 0.005);
  EXPECT_NEAR(100 * r.D / r.chinchilla_D, 146.77, 0.005);
  EXPECT_NEAR(100 * r.cost / r.chinchilla_cost, 95.22, 0.005);
}

// README of the reference code, usd example: 1e10 requests of 1000 in + 250 out tokens, training
// A100-80GB bf16 at $1.40/h MFU 0.5, serving A100-40GB int8 at $0.60/h, MFU 0.4 prefill/0.2 decode.
TEST(PublishedNumbers, ReferenceCodeReadmeUsdExample) {
  hardware_spec spec;
  spec.name = "readme";
  spec.train = {std::string("A100-80GB"), std::string("bf16"), std::nullopt, 0.5, 1.40};
  spec.serve = {
      std::string("A100-40GB"), std::string("int8"), std::nullopt, 0.4, 0.2, 0.60, 1000.0, 250.0};
  const hardware_scenario h =
      resolve_hardware(spec, [](std::string_view f) { return std::string(f); });
  const loss_target_result r =
      loss_target_optimum(sardana(), usd_cost_coefficients(h), 1.947, 1e10 * 1250);
  ASSERT_EQ(r.status, cell_status::ok);
  EXPECT_NEAR(r.N, 2.053e10, 0.0005e10);
  EXPECT_NEAR(r.D, 3.302e12, 0.0005e12);
  EXPECT_NEAR(100 * r.N / r.chinchilla_N, 60.23, 0.005);
  EXPECT_NEAR(100 * r.D / r.chinchilla_D, 182.41, 0.005);
  EXPECT_NEAR(100 * r.cost / r.chinchilla_cost, 88.76, 0.005);
}

} // namespace
