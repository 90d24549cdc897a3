// `scalesweep optimum`: solve one cell (loss target or budget) from flags; text or --json. The same
// flags serve the in-process calls of commands.hpp (the Python package's optimum and solve).
#include "scalesweep/commands.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "app/field_json.hpp"
#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "plan/config.hpp"
#include "plan/hardware.hpp"
#include "plan/law_constants.hpp"
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
  scaling_law constants{}; // --E --A --B --alpha --beta (law_constants)
  double loss = 0, budget = 0;
  double inference_tokens = 0, requests = 0;
  std::string objective = "flops";
  std::string hardware;
  // The --train-* / --serve-* flags (hardware.hpp's tables); serve's token split comes with the
  // demand flags --input-tokens and --output-tokens.
  train_side train{};
  serve_side serve{};
  bool json = false;
  std::map<std::string, CLI::Option*> flags; // by flag name, to ask which were given
};

bool given(const optimum_options& o, std::string_view flag) {
  return o.flags.at(std::string(flag))->count() > 0;
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
  for (const law_constant& c : law_constants) {
    const std::string flag = "--" + std::string(c.name);
    if (given(o, flag)) {
      const double value = o.constants.*c.member;
      check_law_constant(c, value, flag);
      spec.law.*c.member = value;
      if (spec.preset != "custom") {
        spec.overrides.emplace_back(c.name);
      }
    } else if (spec.preset == "custom") {
      throw input_error("give --law PRESET or all of " + law_constant_names(" ", "--") + " (" +
                            flag + " is missing)",
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
    const double per_request = o.serve.input_tokens + o.serve.output_tokens;
    if (!(per_request > 0)) {
      throw input_error("--input-tokens + --output-tokens must be > 0");
    }
    const double T = o.requests * per_request;
    if (!std::isfinite(T)) {
      throw input_error("--requests x (--input-tokens + --output-tokens) overflows a double",
                        "the inference demand T must be finite");
    }
    return {T, true};
  }
  return {given(o, "--inference-tokens") ? o.inference_tokens : 0.0, false};
}

// The flag of a field path ("train.mfu" -> --train-mfu, "preset" -> --hardware): errors name
// what the user typed.
std::string flag_of(std::string_view field) {
  std::string flag = field == "preset" ? "--hardware" : std::string(field);
  for_each_hardware_side([&](auto side) {
    for (const auto& f : side.given_fields()) {
      if (field == std::string(side.name) + "." + std::string(f.key)) {
        flag = f.flag;
      }
    }
  });
  return flag;
}

// Calls visit(side, field) for each --train-* / --serve-* flag, in the order of the help: per
// side in table order, but the peak last, as the alternative to a GPU preset and its dtype.
template <class Visit>
void for_each_hardware_flag(Visit&& visit) {
  for_each_hardware_side([&](auto side) {
    for (const bool peak : {false, true}) {
      for (const auto& f : side.resolved_fields()) {
        if (f.group == flag_group::hardware && (f.rule == field_rule::peak) == peak) {
          visit(side, f);
        }
      }
    }
  });
}

// Whether any hardware flag was given; refuses them under objective flops.
bool hardware_flags_given(const optimum_options& o, objective_kind objective) {
  std::vector<std::string_view> flags{"--hardware"};
  for_each_hardware_flag([&](auto, const auto& f) { flags.push_back(f.flag); });
  bool any = false;
  for (std::string_view f : flags) {
    if (given(o, f)) {
      if (!needs_hardware(objective)) {
        throw input_error(std::string(f) + " applies to --objective usd, energy or co2 only",
                          "add --objective usd (or energy, co2), or drop the hardware flags");
      }
      any = true;
    }
  }
  return any;
}

// The scenario the flags describe: each field given by its flag (the token split by the demand
// flags, when the demand is given per request) or else from the --hardware preset.
hardware_spec hardware_from_flags(const optimum_options& o, const demand& d) {
  hardware_spec spec;
  spec.name = given(o, "--hardware") ? o.hardware : "custom";
  if (given(o, "--hardware")) {
    spec.preset = o.hardware;
  }
  for_each_hardware_side([&](auto side) {
    const auto& values = side.of(o);
    auto& out = side.of(spec);
    const auto& resolved_fields = side.resolved_fields();
    for (std::size_t i = 0; i < std::size(resolved_fields); ++i) {
      const auto& from = resolved_fields[i];
      const auto& into = side.given_fields()[i];
      const bool set = from.group == flag_group::demand ? d.from_requests : given(o, from.flag);
      if (!set) {
        continue;
      }
      if (from.text != nullptr) {
        out.*into.text = values.*from.text;
      } else {
        out.*into.number = values.*from.number;
      }
    }
  });
  return spec;
}

std::optional<hardware_scenario> resolve_scenario(const optimum_options& o,
                                                  objective_kind objective, const demand& d) {
  const bool any = hardware_flags_given(o, objective);
  if (!needs_hardware(objective)) {
    return std::nullopt;
  }
  const std::string flag = "--objective " + std::string(to_string(objective));
  if (!any) {
    throw input_error(flag + " needs --hardware PRESET or the --train-*/--serve-* flags",
                      "hardware presets: " + hardware_preset_names());
  }
  if (!given(o, "--hardware") && !d.from_requests) {
    // Without a preset nothing supplies the input/output split that prefill and decode cost.
    throw input_error(flag + " without --hardware needs the demand split into input and "
                             "output tokens",
                      "give --requests R --input-tokens I --output-tokens O instead of "
                      "--inference-tokens, or start from a --hardware preset");
  }
  hardware_scenario h = resolve_hardware(hardware_from_flags(o, d), flag_of);
  check_objective_fields(objective, h, flag_of);
  return h;
}

// What the flags ask: the law, objective, demand, costs and the problem with its target.
struct optimum_question {
  law_spec law;
  objective_kind objective;
  demand d;
  std::optional<hardware_scenario> hw;
  cost_coefficients k;
  bool is_loss;  // loss-target problem (else budget)
  double target; // the loss target or the budget
  std::string units;
};

optimum_question read_question(const optimum_options& o) {
  optimum_question q;
  q.law = resolve_law(o);
  q.objective = objective_from_name(o.objective).value_or(objective_kind::flops);
  q.d = resolve_demand(o);
  q.hw = resolve_scenario(o, q.objective, q.d);
  q.k = q.hw ? cost_coefficients_of(q.objective, *q.hw) : cost_coefficients{1.0, 1.0};
  q.is_loss = given(o, "--loss");
  q.target = q.is_loss ? o.loss : o.budget;
  q.units = std::string(cost_units(q.objective));
  return q;
}

struct model_figures {
  double N, D, tokens_per_param, loss, cost, train_flops, inference_flops, train_cost, serve_cost;
};

// The figures by name, for the overflow warning.
constexpr std::pair<const char*, double model_figures::*> figure_names[] = {
    {"N", &model_figures::N},
    {"D", &model_figures::D},
    {"loss", &model_figures::loss},
    {"cost", &model_figures::cost},
    {"train_flops", &model_figures::train_flops},
    {"inference_flops", &model_figures::inference_flops},
    {"train_cost", &model_figures::train_cost},
    {"serve_cost", &model_figures::serve_cost}};

// Tokens per parameter and the cost's parts from the functions that fill the result files' opt_*,
// chinchilla_* and budget_* variables, so the two agree.
model_figures figures(const scaling_law& law, const cost_coefficients& k, double N, double D,
                      double T) {
  const cost_split cost = lifetime_cost_split(k, N, D, T);
  return {N,
          D,
          tokens_per_parameter(N, D),
          loss(law, N, D),
          cost.total,
          training_flops(N, D),
          inference_flops(N, T),
          cost.train,
          cost.serve};
}

// The solver's answer: the status is the one `run` writes for the same cell.
struct optimum_answer {
  cell_status status;
  int iterations;
  model_figures opt, chin;
};

template <class Result>
optimum_answer answer_of(const optimum_question& q, const Result& r) {
  return {r.status, r.iterations, figures(q.law.law, q.k, r.N, r.D, q.d.T),
          figures(q.law.law, q.k, r.chinchilla_N, r.chinchilla_D, q.d.T)};
}

optimum_answer solve(const optimum_question& q) {
  if (q.is_loss) {
    return answer_of(q, loss_target_optimum(q.law.law, q.k, q.target, q.d.T));
  }
  return answer_of(q, budget_optimum(q.law.law, q.k, q.target, q.d.T));
}

template <class... Args>
std::string string_printf(const char* format, Args... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string out(static_cast<std::size_t>(std::max(n, 0)) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.pop_back();
  return out;
}

// A figure derived for this report can overflow while the optimum is finite (a budget near
// 1e308; the Chinchilla model serving a huge T): it reads null in JSON, inf in text, and a
// warning names it (empty: none).
std::string overflow_warning(const optimum_answer& a, bool json) {
  std::string overflowed;
  for (const auto& [prefix, f] :
       {std::pair<const char*, const model_figures&>{"", a.opt},
        std::pair<const char*, const model_figures&>{"chinchilla.", a.chin}}) {
    for (const auto& [name, member] : figure_names) {
      if (!std::isfinite(f.*member)) {
        overflowed += (overflowed.empty() ? "" : ", ") + std::string(prefix) + name;
      }
    }
  }
  if (a.status != cell_status::ok || overflowed.empty()) {
    return {};
  }
  return string_printf("the optimum is finite, but %s overflow%s double precision (above "
                       "1.8e308) and read %s",
                       overflowed.c_str(), overflowed.find(',') == std::string::npos ? "s" : "",
                       json ? "null" : "inf");
}

// A loss target above what a one-parameter model reaches, or a budget of a few FLOP, solves to
// N or D below one: correct arithmetic, but no model, so say so (on stderr: the JSON on stdout
// stays parseable; empty: none).
std::string below_one_warning(const optimum_question& q, const optimum_answer& a) {
  const model_figures& opt = a.opt;
  if (a.status != cell_status::ok || (opt.N >= 1.0 && opt.D >= 1.0)) {
    return {};
  }
  const std::string n = string_printf("N = %.3g parameters", opt.N);
  const std::string d = string_printf("D = %.3g tokens", opt.D);
  const std::string below = opt.N < 1.0 && opt.D < 1.0 ? n + " and " + d : opt.N < 1.0 ? n : d;
  return string_printf("the optimum has %s, fewer than one: %s, so these figures describe no model",
                       below.c_str(),
                       q.is_loss ? "the target loss is above that of any real model"
                                 : "the budget is too small for any real model");
}

std::vector<std::string> warnings_of(const optimum_question& q, const optimum_answer& a,
                                     bool json) {
  std::vector<std::string> warnings;
  for (std::string w : {overflow_warning(a, json), below_one_warning(q, a)}) {
    if (!w.empty()) {
      warnings.push_back(std::move(w));
    }
  }
  return warnings;
}

void write_figures(json_writer& j, const model_figures& f) {
  j.field("N", f.N).field("D", f.D).field("loss", f.loss).field("cost", f.cost);
  j.field("train_flops", f.train_flops).field("inference_flops", f.inference_flops);
  j.field("tokens_per_param", f.tokens_per_param);
  j.field("train_cost", f.train_cost).field("serve_cost", f.serve_cost);
}

std::string json_text(const optimum_question& q, const optimum_answer& a) {
  const model_figures& opt = a.opt;
  const model_figures& chin = a.chin;
  json_writer j;
  j.begin_object().field("problem", q.is_loss ? "loss_target" : "budget");
  j.field("status", to_string(a.status)).field("iterations", a.iterations);
  j.field(q.is_loss ? "loss_target" : "budget", q.target);
  j.field("inference_tokens", q.d.T)
      .field("effective_inference_tokens", effective_inference_tokens(q.k, q.d.T));
  j.field("objective", to_string(q.objective)).field("cost_units", q.units);
  write_figures(j, opt);
  j.key("chinchilla").begin_object();
  write_figures(j, chin);
  j.end_object();
  j.key("ratios").begin_object().field("N", opt.N / chin.N).field("D", opt.D / chin.D);
  j.field("cost", opt.cost / chin.cost);
  if (q.is_loss) {
    j.field("saving", 1.0 - opt.cost / chin.cost); // the same loss for less
  } else {
    // The same budget: Chinchilla's model, trained with all of it, overspends once it serves T.
    j.field("chinchilla_overspend", chin.cost / opt.cost - 1.0);
    j.field("loss_difference", opt.loss - chin.loss);
  }
  j.end_object();
  j.key("law").begin_object().field("preset", q.law.preset).key("overrides").begin_array();
  for (const std::string& name : q.law.overrides) {
    j.value(name);
  }
  j.end_array();
  write_law_constants(j, q.law.law);
  j.end_object();
  if (q.hw) {
    j.key("hardware").begin_object().field("name", q.hw->name).field("preset", q.hw->preset);
    write_hardware_sides(j, *q.hw);
    j.field("cost_per_train_flop", q.k.train).field("cost_per_inference_flop", q.k.inference);
    j.end_object();
  }
  j.end_object();
  return j.str();
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

// The problem as solved: law, hardware, target and demand.
void print_question(const optimum_question& q) {
  std::printf("%s optimum, objective %s\n  law %s\n", q.is_loss ? "loss-target" : "budget",
              to_string(q.objective).data(), q.law.description().c_str());
  if (q.hw) {
    // The objective's numbers, as --json gives them: which scenario the costs come from.
    std::printf("  hardware %s: %s\n", q.hw->name.c_str(), describe_sides(*q.hw).c_str());
  }
  if (q.is_loss) {
    std::printf("  target loss %s nats, inference demand T = %s tokens\n",
                format_number(q.target).c_str(), format_number(q.d.T).c_str());
  } else {
    std::printf("  budget %s %s, inference demand T = %s tokens\n", format_number(q.target).c_str(),
                q.units.c_str(), format_number(q.d.T).c_str());
  }
}

// The inference-aware optimum beside Chinchilla's, or why there is none.
void print_answer(const optimum_question& q, const optimum_answer& a) {
  const model_figures& opt = a.opt;
  const model_figures& chin = a.chin;
  if (a.status != cell_status::ok) {
    std::printf("  status: %s%s\n", to_string(a.status),
                a.status == cell_status::infeasible
                    ? (q.is_loss ? " (the target is not above the irreducible loss E)"
                                 : " (the budget cannot pay for the smallest model, one parameter "
                                   "trained on one token, serving the T inference tokens)")
                : a.status == cell_status::out_of_range ? " (a cost overflows double precision)"
                                                        : "");
    return;
  }
  std::printf("  %-16s %-20s %-26s %s\n", "", "inference-aware",
              q.is_loss ? "Chinchilla (T=0)" : "Chinchilla (all training)",
              q.is_loss ? "ratio" : "comparison");
  print_row("parameters N", opt.N, chin.N, ratio_text(opt.N, chin.N));
  print_row("tokens D", opt.D, chin.D, ratio_text(opt.D, chin.D));
  print_row("tokens/param", opt.tokens_per_param, chin.tokens_per_param, "");
  // A loss target fixes the loss and compares costs; a budget fixes the cost and compares
  // losses, and Chinchilla's model, trained with all of it, overspends once it serves T tokens.
  print_row("loss", opt.loss, chin.loss,
            q.is_loss ? "" : string_printf("%+.4g nats", opt.loss - chin.loss));
  print_row(("cost [" + q.units + "]").c_str(), opt.cost, chin.cost,
            q.is_loss ? ratio_text(opt.cost, chin.cost)
            : std::isfinite(chin.cost / opt.cost)
                ? string_printf("Chinchilla's over budget by %.2f %%",
                                100.0 * (chin.cost / opt.cost - 1.0))
                : std::string("Chinchilla's cost overflows"));
  std::printf("  status: ok (%d root-finder step%s)\n", a.iterations, a.iterations == 1 ? "" : "s");
}

// Both problems need a target; --loss is finite (CLI11 reads "inf").
void check_problem_flags(const optimum_options& o) {
  if (!given(o, "--loss") && !given(o, "--budget")) {
    throw input_error("give --loss L (loss-target problem) or --budget C (budget problem)");
  }
  if (given(o, "--loss") && !std::isfinite(o.loss)) {
    throw input_error("--loss must be finite");
  }
}

int run(const optimum_options& o) {
  check_problem_flags(o);
  const optimum_question q = read_question(o);
  const optimum_answer a = solve(q);
  for (const std::string& w : warnings_of(q, a, o.json)) {
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  }
  if (o.json) {
    std::fputs(json_text(q, a).c_str(), stdout);
  } else {
    print_question(q);
    print_answer(q, a);
  }
  return app::exit_ok;
}

// --hardware and the --train-* / --serve-* flags of hardware.hpp's tables.
void add_hardware_flags(CLI::App* app, optimum_options& o) {
  o.flags["--hardware"] = app->add_option("--hardware", o.hardware,
                                          "Hardware-scenario preset: " + hardware_preset_names())
                              ->group("Hardware (usd, energy, co2)");
  for_each_hardware_flag([&](auto side, const auto& f) {
    auto& values = side.of(o);
    const std::string flag(f.flag);
    CLI::Option* option = f.text != nullptr
                              ? app->add_option(flag, values.*f.text, std::string(f.help))
                              : app->add_option(flag, values.*f.number, std::string(f.help));
    o.flags[flag] = option->group("Hardware (usd, energy, co2)");
  });
}

// --inference-tokens, or --requests with the per-request split (the serve side's demand fields).
void add_demand_flags(CLI::App* app, optimum_options& o) {
  auto& f = o.flags;
  f["--inference-tokens"] = app->add_option("--inference-tokens", o.inference_tokens,
                                            "Lifetime inference tokens T (default 0)")
                                ->group("Demand")
                                ->check(non_negative_number());
  f["--requests"] = app->add_option("--requests", o.requests, "Requests R: T = R (I + O)")
                        ->group("Demand")
                        ->check(non_negative_number());
  for (const auto& field : serve_fields<resolved>) {
    if (field.group == flag_group::demand) {
      const std::string flag(field.flag);
      f[flag] = app->add_option(flag, o.serve.*field.number, std::string(field.help))
                    ->group("Demand")
                    ->check(non_negative_number());
      f["--requests"]->needs(f[flag]);
      f[flag]->needs(f["--requests"]);
    }
  }
  f["--requests"]->excludes(f["--inference-tokens"]);
}

// Every flag of `optimum`, bound to `o`.
void add_optimum_flags(CLI::App* app, optimum_options& o) {
  auto& f = o.flags;
  f["--law"] = app->add_option("--law", o.law, "Law preset: " + law_preset_names())->group("Law");
  for (const law_constant& c : law_constants) {
    const std::string flag = "--" + std::string(c.name);
    f[flag] = app->add_option(flag, o.constants.*c.member, std::string(c.flag_help))->group("Law");
  }

  f["--loss"] = app->add_option("--loss", o.loss, "Loss target (nats): cheapest model reaching it")
                    ->group("Problem")
                    ->check(positive_number());
  f["--budget"] =
      app->add_option("--budget", o.budget, "Lifetime budget in the objective's unit: lowest loss")
          ->group("Problem")
          ->check(positive_number());
  f["--loss"]->excludes(f["--budget"]);

  add_demand_flags(app, o);

  f["--objective"] = app->add_option("--objective", o.objective, "Cost objective")
                         ->check(CLI::IsMember({"flops", "usd", "energy", "co2"}))
                         ->capture_default_str()
                         ->group("Objective");
  add_hardware_flags(app, o);
  app->add_flag("--json", o.json, "Print one JSON object");
}

// `visit(options)` on the flags `args` give (as the command line would, without "optimum"),
// parsed by the command's own flag definitions; parse errors become input_error.
template <class Visit>
auto with_flags(const std::vector<std::string>& args, Visit&& visit) {
  optimum_options o;
  CLI::App app{"scalesweep optimum"};
  add_optimum_flags(&app, o);
  std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw input_error(e.what());
  }
  return visit(o); // while `app` lives: `given` asks its options
}

} // namespace

command add_optimum_command(CLI::App& parent) {
  auto o = std::make_shared<optimum_options>();
  CLI::App* app =
      parent.add_subcommand("optimum", "Solve one cell: the loss-target or the budget optimum");
  add_optimum_flags(app, *o);
  return {app, [o] { return run(*o); }};
}

} // namespace scalesweep::cli

namespace scalesweep {

command_output optimum_json(const std::vector<std::string>& args) {
  return cli::with_flags(args, [](const cli::optimum_options& o) {
    cli::check_problem_flags(o);
    const cli::optimum_question q = cli::read_question(o);
    const cli::optimum_answer a = cli::solve(q);
    return command_output{cli::json_text(q, a), cli::warnings_of(q, a, true)};
  });
}

cell_economics economics_from_optimum_flags(const std::vector<std::string>& args) {
  return cli::with_flags(args, [](const cli::optimum_options& o) {
    for (const char* flag : {"--loss", "--budget", "--inference-tokens"}) {
      if (cli::given(o, flag)) {
        throw input_error(std::string(flag) + " is an input of each cell, not of the economics");
      }
    }
    const cli::optimum_question q = cli::read_question(o);
    return cell_economics{q.law.law, q.k};
  });
}

} // namespace scalesweep
