// `scalesweep optimum`: solve one cell (loss target or budget) from flags; text or --json. The same
// flags serve the in-process calls of in_process.hpp (the Python package's optimum and solve).
#include "scalesweep/error.hpp"
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include "app/field_json.hpp"
#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "cli/economics_flags.hpp"
#include "cli/in_process.hpp"
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

struct optimum_options : economics_options {
  double loss = 0, budget = 0;
  bool json = false;
};

// What the flags ask: the law, objective, demand, costs and constraints, and the problem with its
// target.
struct optimum_question : economics_question {
  bool is_loss;  // loss-target problem (else budget)
  double target; // the loss target or the budget
};

optimum_question read_question(const optimum_options& o) {
  optimum_question q;
  static_cast<economics_question&>(q) = read_economics(o);
  q.is_loss = given(o, "--loss");
  q.target = q.is_loss ? o.loss : o.budget;
  return q;
}

// The solver's answer: the status is the one `run` writes for the same cell.
struct optimum_answer {
  cell_status status;
  int iterations;
  model_figures opt, chin;
  // A serving bound sets this optimum (constrained) or rules out every model the unconstrained
  // problem has (infeasible only under the bound).
  bool binding;
};

template <class Result>
optimum_answer answer_of(const optimum_question& q, const Result& r, cell_status unconstrained) {
  const bool binding = r.status == cell_status::constrained ||
                       (r.status == cell_status::infeasible && unconstrained != r.status);
  return {r.status, r.iterations, figures(q.law.law, q.k, r.N, r.D, q.d.T),
          figures(q.law.law, q.k, r.chinchilla_N, r.chinchilla_D, q.d.T), binding};
}

// Without constraint flags the unconstrained cell, as before; with them the constrained cell,
// which equals it wherever the bound does not bind.
optimum_answer solve(const optimum_question& q) {
  const scaling_law& law = q.law.law;
  if (q.is_loss) {
    const loss_target_result free = loss_target_optimum(law, q.k, q.target, q.d.T);
    if (!q.limit) {
      return answer_of(q, free, free.status);
    }
    return answer_of(q,
                     constrained_loss_target_optimum(law, q.k, *q.limit, q.target, q.d.T).optimum,
                     free.status);
  }
  const budget_result free = budget_optimum(law, q.k, q.target, q.d.T);
  if (!q.limit) {
    return answer_of(q, free, free.status);
  }
  return answer_of(q, constrained_budget_optimum(law, q.k, *q.limit, q.target, q.d.T), free.status);
}

bool has_optimum(cell_status s) {
  return s == cell_status::ok || s == cell_status::constrained;
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
  if (!has_optimum(a.status) || overflowed.empty()) {
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
  if (!has_optimum(a.status) || (opt.N >= 1.0 && opt.D >= 1.0)) {
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
  // Whether Chinchilla's model (of this loss, or of all the budget) satisfies the constraints.
  write_constraint(j, q, a.binding,
                   {"chinchilla_fits", fits(q.limit.value_or(no_serving_limit()), chin.N)});
  write_law_and_hardware(j, q);
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
  if (a.status == cell_status::infeasible && a.binding) {
    std::printf("  status: infeasible (every model of this %s has N above N_max = %s, the %s "
                "bound)\n",
                q.is_loss ? "loss" : "budget", format_number(q.limit->N_max).c_str(),
                to_string(q.limit->binding));
    return;
  }
  if (!has_optimum(a.status)) {
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
              // The Chinchilla model is the T = 0 optimum of the same loss; its cost here
              // includes serving T, so the header names the model, not the demand.
              q.is_loss ? "Chinchilla model" : "Chinchilla (all training)",
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
  if (a.status == cell_status::constrained) {
    std::printf("  status: constrained (N = N_max = %s, the %s bound; Chinchilla's model %s)\n",
                format_number(q.limit->N_max).c_str(), to_string(q.limit->binding),
                fits(*q.limit, chin.N) ? "fits" : "does not fit");
    return;
  }
  std::printf("  status: ok (%d root-finder step%s)\n", a.iterations, a.iterations == 1 ? "" : "s");
  if (q.limit) {
    std::printf("  constraints: N_max = %s (%s bound), not binding; Chinchilla's model %s\n",
                format_number(q.limit->N_max).c_str(), to_string(q.limit->binding),
                fits(*q.limit, chin.N) ? "fits" : "does not fit");
  }
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

// Every flag of `optimum`, bound to `o`.
void add_optimum_flags(CLI::App* app, optimum_options& o) {
  add_economics_flags(app, o);
  auto& f = o.flags;
  f["--loss"] = app->add_option("--loss", o.loss, "Loss target (nats): cheapest model reaching it")
                    ->group("Problem")
                    ->check(positive_number());
  f["--budget"] =
      app->add_option("--budget", o.budget, "Lifetime budget in the objective's unit: lowest loss")
          ->group("Problem")
          ->check(positive_number());
  f["--loss"]->excludes(f["--budget"]);
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
    // The constraint flags bound N by the scenario's serving GPU: the constrained problems.
    return cell_economics{q.law.law, q.k, q.limit.value_or(no_serving_limit())};
  });
}

} // namespace scalesweep
