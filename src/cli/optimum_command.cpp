// `scalesweep optimum`: solve one cell (loss target or budget) from flags; text or --json.
#include "scalesweep/error.hpp"
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "plan/config.hpp"
#include "plan/hardware.hpp"
#include "plan/objective.hpp"
#include "plan/presets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

namespace scalesweep::cli {

namespace {

struct optimum_options {
  std::string law;
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double loss = 0, budget = 0;
  double inference_tokens = 0, requests = 0, input_tokens = 0, output_tokens = 0;
  std::string objective = "flops";
  std::string hardware;
  std::string train_gpu, train_dtype, serve_gpu, serve_dtype;
  double train_mfu = 0, train_usd = 0, train_peak = 0;
  double prefill_mfu = 0, decode_mfu = 0, serve_usd = 0, serve_peak = 0;
  bool json = false;
  std::map<std::string, CLI::Option*> flags; // by flag name, to ask which were given
};

bool given(const optimum_options& o, const std::string& flag) {
  return o.flags.at(flag)->count() > 0;
}

// The law: a preset, then any of --E --A --B --alpha --beta over it.
law_spec resolve_law(const optimum_options& o) {
  law_spec spec{"custom", {NAN, NAN, NAN, NAN, NAN}};
  if (given(o, "--law")) {
    const law_preset* p = find_law_preset(o.law);
    if (p == nullptr) {
      throw input_error("--law: unknown law preset '" + o.law + "'" + law_preset_suggestion(o.law),
                        "allowed: " + law_preset_names());
    }
    spec = {o.law, p->law};
  }
  const std::pair<const char*, std::pair<double, double scaling_law::*>> constants[] = {
      {"E", {o.E, &scaling_law::E}},
      {"A", {o.A, &scaling_law::A}},
      {"B", {o.B, &scaling_law::B}},
      {"alpha", {o.alpha, &scaling_law::alpha}},
      {"beta", {o.beta, &scaling_law::beta}}};
  for (const auto& [name, value_member] : constants) {
    const std::string flag = std::string("--") + name;
    if (given(o, flag)) {
      check_law_constant(name, value_member.first, flag);
      spec.law.*value_member.second = value_member.first;
      if (spec.preset != "custom") {
        spec.overrides.emplace_back(name);
      }
    } else if (spec.preset == "custom") {
      throw input_error("give --law PRESET or all of --E --A --B --alpha --beta (" + flag +
                            " is missing)",
                        "presets: " + law_preset_names());
    }
  }
  return spec;
}

struct demand {
  double T;
  bool from_requests;
};

demand resolve_demand(const optimum_options& o) {
  if (given(o, "--requests")) {
    if (!(o.input_tokens + o.output_tokens > 0)) {
      throw input_error("--input-tokens + --output-tokens must be > 0");
    }
    const double T = o.requests * (o.input_tokens + o.output_tokens);
    if (!std::isfinite(T)) {
      throw input_error("--requests x (--input-tokens + --output-tokens) overflows a double",
                        "the inference demand T must be finite");
    }
    return {T, true};
  }
  return {given(o, "--inference-tokens") ? o.inference_tokens : 0.0, false};
}

std::optional<hardware_scenario> resolve_scenario(const optimum_options& o,
                                                  objective_kind objective, const demand& d) {
  static const char* hardware_flags[] = {
      "--hardware",           "--train-gpu",        "--train-dtype",        "--train-mfu",
      "--train-usd-per-hour", "--train-peak-flops", "--serve-gpu",          "--serve-dtype",
      "--prefill-mfu",        "--decode-mfu",       "--serve-usd-per-hour", "--serve-peak-flops"};
  bool any = false;
  for (const char* f : hardware_flags) {
    if (given(o, f)) {
      if (objective == objective_kind::flops) {
        throw input_error(std::string(f) + " applies to --objective usd only",
                          "add --objective usd, or drop the hardware flags");
      }
      any = true;
    }
  }
  if (objective == objective_kind::flops) {
    return std::nullopt;
  }
  if (!any) {
    throw input_error("--objective usd needs --hardware PRESET or the --train-*/--serve-* flags",
                      "hardware presets: " + hardware_preset_names());
  }
  hardware_spec spec;
  spec.name = given(o, "--hardware") ? o.hardware : "custom";
  if (given(o, "--hardware")) {
    spec.preset = o.hardware;
  }
  const auto str = [&](const char* flag, const std::string& v) {
    return given(o, flag) ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto num = [&](const char* flag, double v) {
    return given(o, flag) ? std::optional<double>(v) : std::nullopt;
  };
  spec.train = {str("--train-gpu", o.train_gpu), str("--train-dtype", o.train_dtype),
                num("--train-peak-flops", o.train_peak), num("--train-mfu", o.train_mfu),
                num("--train-usd-per-hour", o.train_usd)};
  spec.serve = {str("--serve-gpu", o.serve_gpu),
                str("--serve-dtype", o.serve_dtype),
                num("--serve-peak-flops", o.serve_peak),
                num("--prefill-mfu", o.prefill_mfu),
                num("--decode-mfu", o.decode_mfu),
                num("--serve-usd-per-hour", o.serve_usd),
                d.from_requests ? std::optional<double>(o.input_tokens) : std::nullopt,
                d.from_requests ? std::optional<double>(o.output_tokens) : std::nullopt};
  static const std::map<std::string, std::string> flag_of = {
      {"preset", "--hardware"},
      {"train.gpu", "--train-gpu"},
      {"train.dtype", "--train-dtype"},
      {"train.peak_flops", "--train-peak-flops"},
      {"train.mfu", "--train-mfu"},
      {"train.usd_per_hour", "--train-usd-per-hour"},
      {"serve.gpu", "--serve-gpu"},
      {"serve.dtype", "--serve-dtype"},
      {"serve.peak_flops", "--serve-peak-flops"},
      {"serve.prefill_mfu", "--prefill-mfu"},
      {"serve.decode_mfu", "--decode-mfu"},
      {"serve.usd_per_hour", "--serve-usd-per-hour"},
      {"serve.input_tokens", "--input-tokens"},
      {"serve.output_tokens", "--output-tokens"}};
  if (!given(o, "--hardware") && !d.from_requests) {
    // Without a preset nothing supplies the input/output split that prefill and decode cost.
    throw input_error("--objective usd without --hardware needs the demand split into input and "
                      "output tokens",
                      "give --requests R --input-tokens I --output-tokens O instead of "
                      "--inference-tokens, or start from a --hardware preset");
  }
  return resolve_hardware(spec, [](std::string_view field) {
    const auto it = flag_of.find(std::string(field));
    return it == flag_of.end() ? std::string(field) : it->second;
  });
}

struct model_figures {
  double N, D, loss, cost, train_flops, inference_flops, train_cost, inference_cost;
};

model_figures figures(const scaling_law& law, const cost_coefficients& k, double N, double D,
                      double T) {
  return {N,
          D,
          loss(law, N, D),
          lifetime_cost(k, N, D, T),
          training_flops(N, D),
          inference_flops(N, T),
          training_cost(k, N, D),
          inference_cost(k, N, T)};
}

void write_figures(json_writer& j, const model_figures& f) {
  j.field("N", f.N).field("D", f.D).field("loss", f.loss).field("cost", f.cost);
  j.field("train_flops", f.train_flops).field("inference_flops", f.inference_flops);
  j.field("tokens_per_param", f.D / f.N);
}

template <class... Args>
std::string string_printf(const char* format, Args... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string out(static_cast<std::size_t>(std::max(n, 0)) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.pop_back();
  return out;
}

// One row of the comparison table; `comparison` fills the last column (may be empty).
void print_row(const char* label, double a, double b, const std::string& comparison) {
  const std::string row =
      string_printf("  %-16s %-20.6g %-26.6g %s", label, a, b, comparison.c_str());
  std::printf("%s\n", row.substr(0, row.find_last_not_of(' ') + 1).c_str());
}

std::string ratio_text(double a, double b) {
  const double percent = 100.0 * a / b;
  if (!std::isfinite(percent)) {
    return {};
  }
  // Two decimals as the papers quote them; far from 100 % (extreme inputs) in powers of ten.
  return string_printf(percent < 1e6 && (percent >= 0.01 || percent == 0) ? "%.2f %%" : "%.3g %%",
                       percent);
}

int run(const optimum_options& o) {
  const law_spec law = resolve_law(o);
  const objective_kind objective =
      o.objective == "usd" ? objective_kind::usd : objective_kind::flops;
  const demand d = resolve_demand(o);
  const std::optional<hardware_scenario> hw = resolve_scenario(o, objective, d);
  const cost_coefficients k = hw ? usd_cost_coefficients(*hw) : cost_coefficients{1.0, 1.0};
  const bool is_loss = given(o, "--loss");

  cell_status status;
  int iterations;
  model_figures opt{}, chin{};
  if (is_loss) {
    const loss_target_result r = loss_target_optimum(law.law, k, o.loss, d.T);
    status = r.status;
    iterations = r.iterations;
    opt = figures(law.law, k, r.N, r.D, d.T);
    chin = figures(law.law, k, r.chinchilla_N, r.chinchilla_D, d.T);
  } else {
    const budget_result r = budget_optimum(law.law, k, o.budget, d.T);
    status = r.status;
    iterations = r.iterations;
    opt = figures(law.law, k, r.N, r.D, d.T);
    chin = figures(law.law, k, r.chinchilla_N, r.chinchilla_D, d.T);
  }
  // The status is the solver's, the one `run` writes for the same cell. A figure derived for
  // this report can overflow while the optimum is finite (a budget near 1e308; the Chinchilla
  // model serving a huge T): it reads null in JSON, inf in text, and a warning names it.
  std::string overflowed;
  for (const auto& [prefix, f] :
       {std::pair<const char*, const model_figures&>{"", opt},
        std::pair<const char*, const model_figures&>{"chinchilla.", chin}}) {
    const std::pair<const char*, double> named[] = {{"N", f.N},
                                                    {"D", f.D},
                                                    {"loss", f.loss},
                                                    {"cost", f.cost},
                                                    {"train_flops", f.train_flops},
                                                    {"inference_flops", f.inference_flops},
                                                    {"train_cost", f.train_cost},
                                                    {"inference_cost", f.inference_cost}};
    for (const auto& [name, value] : named) {
      if (!std::isfinite(value)) {
        overflowed += (overflowed.empty() ? "" : ", ") + std::string(prefix) + name;
      }
    }
  }
  if (status == cell_status::ok && !overflowed.empty()) {
    std::fprintf(stderr,
                 "warning: the optimum is finite, but %s overflow%s double precision (above "
                 "1.8e308) and read %s\n",
                 overflowed.c_str(), overflowed.find(',') == std::string::npos ? "s" : "",
                 o.json ? "null" : "inf");
  }
  const std::string units(cost_units(objective));
  // A loss target above what a one-parameter model reaches, or a budget of a few FLOP, solves to
  // N or D below one: correct arithmetic, but no model, so say so (on stderr: the JSON on stdout
  // stays parseable).
  if (status == cell_status::ok && (opt.N < 1.0 || opt.D < 1.0)) {
    const std::string n = string_printf("N = %.3g parameters", opt.N);
    const std::string d = string_printf("D = %.3g tokens", opt.D);
    const std::string below = opt.N < 1.0 && opt.D < 1.0 ? n + " and " + d : opt.N < 1.0 ? n : d;
    std::fprintf(stderr,
                 "warning: the optimum has %s, fewer than one: %s, so these figures "
                 "describe no model\n",
                 below.c_str(),
                 is_loss ? "the target loss is above that of any real model"
                         : "the budget is too small for any real model");
  }

  if (o.json) {
    json_writer j;
    j.begin_object().field("problem", is_loss ? "loss_target" : "budget");
    j.field("status", to_string(status)).field("iterations", iterations);
    if (is_loss) {
      j.field("loss_target", o.loss);
    } else {
      j.field("budget", o.budget);
    }
    j.field("inference_tokens", d.T)
        .field("effective_inference_tokens", effective_inference_tokens(k, d.T));
    j.field("objective", to_string(objective)).field("cost_units", units);
    write_figures(j, opt);
    j.field("train_cost", opt.train_cost).field("inference_cost", opt.inference_cost);
    j.key("chinchilla").begin_object();
    write_figures(j, chin);
    j.end_object();
    j.key("ratios").begin_object().field("N", opt.N / chin.N).field("D", opt.D / chin.D);
    j.field("cost", opt.cost / chin.cost);
    if (is_loss) {
      j.field("saving", 1.0 - opt.cost / chin.cost); // the same loss for less
    } else {
      // The same budget: Chinchilla's model, trained with all of it, overspends once it serves T.
      j.field("chinchilla_overspend", chin.cost / opt.cost - 1.0);
      j.field("loss_difference", opt.loss - chin.loss);
    }
    j.end_object();
    j.key("law").begin_object().field("preset", law.preset).key("overrides").begin_array();
    for (const std::string& name : law.overrides) {
      j.value(name);
    }
    j.end_array().field("E", law.law.E).field("A", law.law.A);
    j.field("B", law.law.B).field("alpha", law.law.alpha).field("beta", law.law.beta).end_object();
    if (hw) {
      j.key("hardware").begin_object().field("name", hw->name).field("preset", hw->preset);
      j.key("train").begin_object().field("gpu", hw->train.gpu).field("dtype", hw->train.dtype);
      j.field("peak_flops", hw->train.peak_flops).field("mfu", hw->train.mfu);
      j.field("usd_per_hour", hw->train.usd_per_hour).end_object();
      j.key("serve").begin_object().field("gpu", hw->serve.gpu).field("dtype", hw->serve.dtype);
      j.field("peak_flops", hw->serve.peak_flops).field("prefill_mfu", hw->serve.prefill_mfu);
      j.field("decode_mfu", hw->serve.decode_mfu).field("usd_per_hour", hw->serve.usd_per_hour);
      j.field("input_tokens", hw->serve.input_tokens)
          .field("output_tokens", hw->serve.output_tokens);
      j.end_object()
          .field("cost_per_train_flop", k.train)
          .field("cost_per_inference_flop", k.inference);
      j.end_object();
    }
    j.end_object();
    std::fputs(j.str().c_str(), stdout);
    return exit_ok;
  }

  std::printf("%s optimum, objective %s\n  law %s\n", is_loss ? "loss-target" : "budget",
              to_string(objective).data(), law.description().c_str());
  if (hw) {
    // The usd objective's numbers, as --json gives them: which scenario the dollars come from.
    std::printf("  hardware %s: train %s %s, MFU %s, $%s/GPU-hour; serve %s %s, prefill MFU %s, "
                "decode MFU %s, $%s/GPU-hour\n",
                hw->name.c_str(), hw->train.gpu.c_str(), hw->train.dtype.c_str(),
                format_number(hw->train.mfu).c_str(), format_number(hw->train.usd_per_hour).c_str(),
                hw->serve.gpu.c_str(), hw->serve.dtype.c_str(),
                format_number(hw->serve.prefill_mfu).c_str(),
                format_number(hw->serve.decode_mfu).c_str(),
                format_number(hw->serve.usd_per_hour).c_str());
  }
  if (is_loss) {
    std::printf("  target loss %s nats, inference demand T = %s tokens\n",
                format_number(o.loss).c_str(), format_number(d.T).c_str());
  } else {
    std::printf("  budget %s %s, inference demand T = %s tokens\n", format_number(o.budget).c_str(),
                units.c_str(), format_number(d.T).c_str());
  }
  if (status != cell_status::ok) {
    std::printf("  status: %s%s\n", to_string(status),
                status == cell_status::infeasible
                    ? (is_loss ? " (the target is not above the irreducible loss E)"
                               : " (the budget cannot pay for the smallest model, one parameter "
                                 "trained on one token, serving the T inference tokens)")
                : status == cell_status::out_of_range ? " (a cost overflows double precision)"
                                                      : "");
    return exit_ok;
  }
  std::printf("  %-16s %-20s %-26s %s\n", "", "inference-aware",
              is_loss ? "Chinchilla (T=0)" : "Chinchilla (all training)",
              is_loss ? "ratio" : "comparison");
  print_row("parameters N", opt.N, chin.N, ratio_text(opt.N, chin.N));
  print_row("tokens D", opt.D, chin.D, ratio_text(opt.D, chin.D));
  print_row("tokens/param", opt.D / opt.N, chin.D / chin.N, "");
  // A loss target fixes the loss and compares costs; a budget fixes the cost and compares
  // losses, and Chinchilla's model, trained with all of it, overspends once it serves T tokens.
  print_row("loss", opt.loss, chin.loss,
            is_loss ? "" : string_printf("%+.4g nats", opt.loss - chin.loss));
  print_row(("cost [" + units + "]").c_str(), opt.cost, chin.cost,
            is_loss ? ratio_text(opt.cost, chin.cost)
            : std::isfinite(chin.cost / opt.cost)
                ? string_printf("Chinchilla's over budget by %.2f %%",
                                100.0 * (chin.cost / opt.cost - 1.0))
                : std::string("Chinchilla's cost overflows"));
  std::printf("  status: ok (%d root-finder step%s)\n", iterations, iterations == 1 ? "" : "s");
  return exit_ok;
}

} // namespace

command add_optimum_command(CLI::App& parent) {
  auto o = std::make_shared<optimum_options>();
  CLI::App* app =
      parent.add_subcommand("optimum", "Solve one cell: the loss-target or the budget optimum");
  auto& f = o->flags;
  f["--law"] = app->add_option("--law", o->law, "Law preset: " + law_preset_names())->group("Law");
  f["--E"] = app->add_option("--E", o->E, "Irreducible loss (overrides the preset)")->group("Law");
  f["--A"] = app->add_option("--A", o->A, "Parameter-term coefficient")->group("Law");
  f["--B"] = app->add_option("--B", o->B, "Data-term coefficient")->group("Law");
  f["--alpha"] = app->add_option("--alpha", o->alpha, "Parameter exponent")->group("Law");
  f["--beta"] = app->add_option("--beta", o->beta, "Data exponent")->group("Law");

  f["--loss"] = app->add_option("--loss", o->loss, "Loss target (nats): cheapest model reaching it")
                    ->group("Problem")
                    ->check(positive_number());
  f["--budget"] =
      app->add_option("--budget", o->budget, "Lifetime budget in the objective's unit: lowest loss")
          ->group("Problem")
          ->check(positive_number());
  f["--loss"]->excludes(f["--budget"]);

  f["--inference-tokens"] = app->add_option("--inference-tokens", o->inference_tokens,
                                            "Lifetime inference tokens T (default 0)")
                                ->group("Demand")
                                ->check(non_negative_number());
  f["--requests"] = app->add_option("--requests", o->requests, "Requests R: T = R (I + O)")
                        ->group("Demand")
                        ->check(non_negative_number());
  f["--input-tokens"] =
      app->add_option("--input-tokens", o->input_tokens, "Input tokens per request I")
          ->group("Demand")
          ->check(non_negative_number());
  f["--output-tokens"] =
      app->add_option("--output-tokens", o->output_tokens, "Output tokens per request O")
          ->group("Demand")
          ->check(non_negative_number());
  f["--requests"]
      ->needs(f["--input-tokens"])
      ->needs(f["--output-tokens"])
      ->excludes(f["--inference-tokens"]);
  f["--input-tokens"]->needs(f["--requests"]);
  f["--output-tokens"]->needs(f["--requests"]);

  f["--objective"] = app->add_option("--objective", o->objective, "Cost objective")
                         ->check(CLI::IsMember({"flops", "usd"}))
                         ->capture_default_str()
                         ->group("Objective");
  f["--hardware"] = app->add_option("--hardware", o->hardware,
                                    "Hardware-scenario preset: " + hardware_preset_names())
                        ->group("Hardware (usd)");
  const auto add_hw = [&](const char* flag, auto& target, const char* help) {
    f[flag] = app->add_option(flag, target, help)->group("Hardware (usd)");
  };
  add_hw("--train-gpu", o->train_gpu, "Training GPU preset");
  add_hw("--train-dtype", o->train_dtype, "Training dtype (bf16, fp16, fp8, ...)");
  add_hw("--train-mfu", o->train_mfu, "Training MFU in (0, 1]");
  add_hw("--train-usd-per-hour", o->train_usd, "Training $ per GPU-hour");
  add_hw("--train-peak-flops", o->train_peak,
         "Training dense peak FLOP/s (instead of a GPU preset)");
  add_hw("--serve-gpu", o->serve_gpu, "Serving GPU preset");
  add_hw("--serve-dtype", o->serve_dtype, "Serving dtype");
  add_hw("--prefill-mfu", o->prefill_mfu, "Prefill MFU in (0, 1]");
  add_hw("--decode-mfu", o->decode_mfu, "Decode MFU in (0, 1]");
  add_hw("--serve-usd-per-hour", o->serve_usd, "Serving $ per GPU-hour");
  add_hw("--serve-peak-flops", o->serve_peak,
         "Serving dense peak FLOP/s (instead of a GPU preset)");
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o] {
            if (!given(*o, "--loss") && !given(*o, "--budget")) {
              throw input_error(
                  "give --loss L (loss-target problem) or --budget C (budget problem)");
            }
            if (given(*o, "--loss") && !std::isfinite(o->loss)) {
              throw input_error("--loss must be finite");
            }
            return run(*o);
          }};
}

} // namespace scalesweep::cli
