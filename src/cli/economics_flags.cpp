// The flags `optimum` and `eval` share, and how they resolve (economics_flags.hpp).
#include "cli/economics_flags.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/cost_model.hpp"

#include "app/field_json.hpp"
#include "cli/commands.hpp"
#include "common/untrusted_text.hpp"
#include "plan/law_constants.hpp"
#include "plan/presets.hpp"
#include "plan/serving_limits.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace scalesweep::cli {

bool given(const economics_options& o, std::string_view flag) {
  return o.flags.at(std::string(flag))->count() > 0;
}

namespace {

// The law: a preset, then any of --E --A --B --alpha --beta over it.
law_spec resolve_law(const economics_options& o) {
  law_spec spec{"custom", {NAN, NAN, NAN, NAN, NAN}};
  if (given(o, "--law")) {
    const law_preset* p = find_law_preset(o.law);
    if (p == nullptr) {
      throw input_error("--law: unknown law preset '" + shown_token(o.law) + "'" +
                            law_preset_suggestion(o.law),
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

demand_spec resolve_demand(const economics_options& o) {
  if (given(o, "--requests")) {
    const double per_request = tokens_per_request(o.serve.input_tokens, o.serve.output_tokens,
                                                  "--input-tokens", "--output-tokens");
    return {demand_of_requests(o.requests, per_request,
                               "--requests x (--input-tokens + --output-tokens)"),
            true};
  }
  return {given(o, "--inference-tokens") ? o.inference_tokens : 0.0, false};
}

// The flag of a field path ("train.mfu" -> --train-mfu, "preset" -> --hardware): errors name
// what the user typed.
std::string flag_of(std::string_view field) {
  std::string flag = field == "preset" ? "--hardware" : std::string(field);
  for (const constraint_field& f : constraint_fields) {
    if (field == "constraints." + std::string(f.key)) {
      flag = f.flag;
    }
  }
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

// The hardware flags given: --hardware, --train-*, --serve-*.
std::vector<std::string_view> hardware_flags_given(const economics_options& o) {
  std::vector<std::string_view> flags{"--hardware"};
  for_each_hardware_flag([&](auto, const auto& f) { flags.push_back(f.flag); });
  std::vector<std::string_view> out;
  for (std::string_view f : flags) {
    if (given(o, f)) {
      out.push_back(f);
    }
  }
  return out;
}

// --objective as given, or usd where it is not and hardware flags are (they price in dollars).
objective_kind objective_of(const economics_options& o) {
  if (given(o, "--objective")) {
    return objective_from_name(o.objective).value_or(objective_kind::flops);
  }
  return hardware_flags_given(o).empty() ? objective_kind::flops : objective_kind::usd;
}

// The scenario the flags describe: each field given by its flag (the token split by the demand
// flags, when the demand is given per request) or else from the --hardware preset.
hardware_spec hardware_from_flags(const economics_options& o, const demand_spec& d) {
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

std::optional<hardware_scenario> resolve_scenario(const economics_options& o,
                                                  objective_kind objective, const demand_spec& d) {
  const std::vector<std::string_view> flags = hardware_flags_given(o);
  if (!needs_hardware(objective)) {
    if (!flags.empty()) {
      throw input_error(std::string(flags.front()) +
                            " applies to --objective usd, energy or co2 only",
                        "drop --objective flops (hardware flags imply usd), or drop " +
                            std::string(flags.front()));
    }
    return std::nullopt;
  }
  const std::string flag = "--objective " + std::string(to_string(objective));
  if (flags.empty()) {
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

// --hardware and the --train-* / --serve-* flags of hardware.hpp's tables.
void add_hardware_flags(CLI::App* app, economics_options& o) {
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
void add_demand_flags(CLI::App* app, economics_options& o) {
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

// The constraint flags: --fit-memory a switch, the others numbers checked when read (their
// ranges named in one message, serving_limits.cpp).
void add_constraint_flags(CLI::App* app, economics_options& o) {
  serving_constraints& c = o.constraints;
  for (const constraint_field& f : constraint_fields) {
    const std::string flag(f.flag);
    o.flags[flag] = (f.number == nullptr ? app->add_flag(flag, c.memory, std::string(f.help))
                                         : app->add_option(flag, c.*f.number, std::string(f.help)))
                        ->group("Serving constraints (usd, energy, co2)");
  }
}

// The limits the constraint flags set, or none; a setting without a bound it shapes is refused
// (it would change nothing), as are the flags under objective flops (no serving GPU).
std::optional<serving_limit> resolve_limit(const economics_options& o,
                                           const std::optional<hardware_scenario>& hw) {
  serving_constraints c = o.constraints;
  c.latency = given(o, "--max-seconds-per-token");
  std::vector<std::string> flags_given;
  for (const constraint_field& f : constraint_fields) {
    if (given(o, f.flag)) {
      flags_given.emplace_back(f.flag);
    }
  }
  if (flags_given.empty()) {
    return std::nullopt;
  }
  if (!hw) {
    throw input_error(flags_given.front() +
                          " needs a serving GPU: its memory and bandwidth bound N",
                      "add --objective usd (or energy, co2) with --hardware PRESET");
  }
  check_constraint_settings_used(
      c, [&](std::string_view key) { return given(o, flag_of("constraints." + std::string(key))); },
      flag_of, true);
  check_serving_constraints(c, flag_of);
  return serving_limit_of(c, *hw, flag_of);
}

} // namespace

void add_economics_flags(CLI::App* app, economics_options& o) {
  auto& f = o.flags;
  f["--law"] = app->add_option("--law", o.law, "Law preset: " + law_preset_names())->group("Law");
  for (const law_constant& c : law_constants) {
    const std::string flag = "--" + std::string(c.name);
    f[flag] = app->add_option(flag, o.constants.*c.member, std::string(c.flag_help))->group("Law");
  }
  add_demand_flags(app, o);
  f["--objective"] = app->add_option("--objective", o.objective,
                                     "Cost objective (usd when --hardware or a --train-*/--serve-* "
                                     "flag is given without it)")
                         ->check(CLI::IsMember({"flops", "usd", "energy", "co2"}))
                         ->capture_default_str()
                         ->group("Objective");
  add_hardware_flags(app, o);
  add_constraint_flags(app, o);
}

economics_question read_economics(const economics_options& o) {
  economics_question q;
  q.law = resolve_law(o);
  q.objective = objective_of(o);
  q.d = resolve_demand(o);
  q.hw = resolve_scenario(o, q.objective, q.d);
  q.k = q.hw ? cost_coefficients_of(q.objective, *q.hw) : cost_coefficients{1.0, 1.0};
  q.units = std::string(cost_units(q.objective));
  q.limit = resolve_limit(o, q.hw);
  return q;
}

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

void write_figures(json_writer& j, const model_figures& f) {
  j.field("N", f.N).field("D", f.D).field("loss", f.loss).field("cost", f.cost);
  j.field("train_flops", f.train_flops).field("inference_flops", f.inference_flops);
  j.field("tokens_per_param", f.tokens_per_param);
  j.field("train_cost", f.train_cost).field("serve_cost", f.serve_cost);
}

void write_law_and_hardware(json_writer& j, const economics_question& q) {
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
}

void write_constraint(json_writer& j, const economics_question& q, bool binding,
                      const std::pair<const char*, bool>& verdict) {
  const serving_limit limit = q.limit.value_or(no_serving_limit());
  j.key("constraint").begin_object().field("N_max", limit.N_max).key("binding");
  if (binding && limit.binding != serving_bound::none) {
    j.value(to_string(limit.binding));
  } else {
    j.null();
  }
  j.field(verdict.first, verdict.second).end_object();
}

} // namespace scalesweep::cli
