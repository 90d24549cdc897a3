// `scalesweep eval` (SPEC §5.3): a given model (N, D) under a law, objective and demand: its loss,
// training, serving and total cost, the serving constraints' verdict, and the inference demand for
// which it is the loss-target optimum at its own loss. Text or --json.
#include "scalesweep/error.hpp"
#include "scalesweep/math/implied_demand.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "cli/economics_flags.hpp"
#include "common/text_format.hpp"
#include "plan/presets.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

namespace scalesweep::cli {

namespace {

struct eval_options : economics_options {
  double params = 0, tokens = 0;
  std::string model;
  bool json = false;
};

struct eval_question : economics_question {
  std::string model; // the preset's name, or "" for --params/--tokens
  double N, D;
};

eval_question read_question(const eval_options& o) {
  eval_question q;
  if (given(o, "--model")) {
    const model_preset* m = find_model_preset(o.model);
    if (m == nullptr) {
      throw input_error("--model: unknown model preset '" + o.model + "'" +
                            model_preset_suggestion(o.model),
                        "model presets: " + model_preset_names());
    }
    q.model = o.model;
    q.N = m->N;
    q.D = m->D;
  } else if (given(o, "--params") && given(o, "--tokens")) {
    q.N = o.params;
    q.D = o.tokens;
  } else {
    throw input_error("give the model: --params N --tokens D, or --model NAME",
                      "model presets: " + model_preset_names());
  }
  static_cast<economics_question&>(q) = read_economics(o);
  return q;
}

struct eval_answer {
  model_figures model;
  implied_demand_result implied;
  bool fits;
};

eval_answer evaluate(const eval_question& q) {
  const serving_limit limit = q.limit.value_or(no_serving_limit());
  return {figures(q.law.law, q.k, q.N, q.D, q.d.T), implied_demand(q.law.law, q.k, q.N, q.D),
          fits(limit, q.N)};
}

std::string json_text(const eval_question& q, const eval_answer& a) {
  json_writer j;
  j.begin_object().key("model");
  if (q.model.empty()) {
    j.null();
  } else {
    j.value(q.model);
  }
  j.field("status", to_string(a.implied.status));
  j.field("inference_tokens", q.d.T);
  j.field("objective", to_string(q.objective)).field("cost_units", q.units);
  write_figures(j, a.model);
  // The demand that makes this model the optimum, in tokens and in the flops objective's tokens.
  j.field("implied_T", a.implied.T).field("implied_effective_T", a.implied.t_eff);
  write_constraint(j, q, !a.fits, {"fits", a.fits});
  write_law_and_hardware(j, q);
  j.end_object();
  return j.str();
}

// Figures with six significant digits, as optimum's table; --json gives every digit.
void print_text(const eval_question& q, const eval_answer& a) {
  const model_figures& m = a.model;
  std::printf("model %s: N = %.6g parameters, D = %.6g tokens (%.6g tokens/param), objective %s\n",
              q.model.empty() ? "(given)" : q.model.c_str(), q.N, q.D, m.tokens_per_param,
              to_string(q.objective).data());
  std::printf("  law %s\n", q.law.description().c_str());
  if (q.hw) {
    std::printf("  hardware %s: %s\n", q.hw->name.c_str(), describe_sides(*q.hw).c_str());
  }
  std::printf("  inference demand T = %s tokens\n", format_number(q.d.T).c_str());
  const char* units = q.units.c_str();
  std::printf("  %-15s %.6g nats\n", "loss", m.loss);
  std::printf("  %-15s %.6g %s\n", "training cost", m.train_cost, units);
  std::printf("  %-15s %.6g %s\n", "serving cost", m.serve_cost, units);
  std::printf("  %-15s %.6g %s\n", "total cost", m.cost, units);
  if (q.limit) {
    std::printf("  %-15s %s: N_max = %.6g (%s bound)\n", "constraints",
                a.fits ? "fits" : "does not fit", q.limit->N_max, to_string(q.limit->binding));
  }
  switch (a.implied.status) {
  case cell_status::ok:
    std::printf("  %-15s T = %.6g tokens: the cheapest model of its loss for that lifetime "
                "demand\n",
                "implied demand", a.implied.T);
    break;
  case cell_status::undertrained:
    std::printf("  %-15s none (undertrained: fewer tokens per parameter than Chinchilla's model "
                "of its loss, which no demand T >= 0 justifies)\n",
                "implied demand");
    break;
  default:
    std::printf("  %-15s none (%s)\n", "implied demand", to_string(a.implied.status));
  }
}

int run(const eval_options& o) {
  const eval_question q = read_question(o);
  const eval_answer a = evaluate(q);
  if (o.json) {
    std::fputs(json_text(q, a).c_str(), stdout);
  } else {
    print_text(q, a);
  }
  return app::exit_ok;
}

void add_eval_flags(CLI::App* app, eval_options& o) {
  add_economics_flags(app, o);
  auto& f = o.flags;
  f["--params"] = app->add_option("--params", o.params, "Parameters N of the model")
                      ->group("Model")
                      ->check(positive_number());
  f["--tokens"] = app->add_option("--tokens", o.tokens, "Training tokens D of the model")
                      ->group("Model")
                      ->check(positive_number());
  f["--model"] =
      app->add_option("--model", o.model, "Model preset: " + model_preset_names())->group("Model");
  f["--params"]->needs(f["--tokens"]);
  f["--tokens"]->needs(f["--params"]);
  f["--model"]->excludes(f["--params"])->excludes(f["--tokens"]);
  app->add_flag("--json", o.json, "Print one JSON object");
}

} // namespace

command add_eval_command(CLI::App& parent) {
  auto o = std::make_shared<eval_options>();
  CLI::App* app = parent.add_subcommand(
      "eval", "A given model's loss, costs, constraints' verdict and implied demand");
  add_eval_flags(app, *o);
  return {app, [o] { return run(*o); }};
}

} // namespace scalesweep::cli
