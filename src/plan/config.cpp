// Reads and validates sweep configs; every error names the file, line, key and what is allowed.
#include "plan/config.hpp"

#include "scalesweep/error.hpp"

#include "common/regular_file.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "plan/presets.hpp"
#include "plan/toml_depth_check.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

namespace scalesweep {

const axis* sweep_config::find_axis(axis_id id) const {
  for (const axis& a : axes) {
    if (a.id == id) {
      return &a;
    }
  }
  return nullptr;
}

namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  default:
    return "a date/time";
  }
}

class config_reader {
public:
  explicit config_reader(std::string source) : m_source(std::move(source)) {}

  std::string where(const toml::source_region& r) const {
    std::ostringstream s;
    s << shown_token(m_source);
    if (r.begin.line > 0) {
      s << ':' << r.begin.line << ':' << r.begin.column;
    }
    return s.str();
  }

  [[noreturn]] void fail(const toml::node& at, const std::string& path, const std::string& what,
                         std::string hint = {}) const {
    throw input_error(where(at.source()) + ": " + path + ": " + what, std::move(hint));
  }

  [[noreturn]] void fail_at(const toml::source_region& r, const std::string& what,
                            std::string hint = {}) const {
    throw input_error(where(r) + ": " + what, std::move(hint));
  }

  void reject_unknown_keys(const toml::table& t, const std::string& path,
                           const std::vector<std::string>& allowed) const {
    for (auto&& [key, node] : t) {
      const std::string k(key.str());
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) {
        continue;
      }
      const std::string shown = shown_token(k);
      std::string message = where(key.source());
      message.append(": ").append(path).append(path.empty() ? "" : ".").append(shown);
      message.append(": unknown key '");
      message.append(shown).append("'");
      const std::string near = closest_match(k, allowed);
      if (!near.empty()) {
        message.append("; did you mean '").append(near).append("'?");
      }
      std::string list;
      for (const std::string& a : allowed) {
        list.append(list.empty() ? "" : ", ").append(a);
      }
      throw input_error(message, "allowed keys here: " + list);
    }
  }

  const toml::table* table(const toml::table& t, std::string_view key,
                           const std::string& path) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      return nullptr;
    }
    if (!n->is_table()) {
      fail(*n, path, "must be a table, got " + type_name(*n));
    }
    return n->as_table();
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key,
                                    const std::string& path) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      return std::nullopt;
    }
    if (!n->is_string()) {
      fail(*n, path, "must be a string, got " + type_name(*n));
    }
    std::string text = *n->value<std::string>();
    // TOML allows "\u0000"; a file name ends at it, and so does an HDF5 string attribute.
    if (text.find('\0') != std::string::npos) {
      fail(*n, path,
           "'" + shown_token(text) +
               "' holds a NUL byte (\\x00), which no file name or result "
               "attribute can hold",
           "remove the \\u0000 escape from the string");
    }
    return text;
  }

  std::optional<double> number(const toml::table& t, std::string_view key,
                               const std::string& path) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      return std::nullopt;
    }
    return number(*n, path);
  }

  double number(const toml::node& n, const std::string& path) const {
    if (!n.is_number()) {
      fail(n, path, "must be a number, got " + type_name(n));
    }
    // toml++'s value<double>() is empty for an integer a double cannot hold exactly (|i| > 2^53):
    // such an integer is taken at the nearest double, as a float literal would be.
    const double v =
        n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    if (!std::isfinite(v)) {
      fail(n, path, "must be finite, got " + format_number(v));
    }
    return v;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key,
                                      const std::string& path) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      return std::nullopt;
    }
    if (!n->is_integer()) {
      fail(*n, path, "must be an integer, got " + type_name(*n));
    }
    return n->value<std::int64_t>();
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key,
                              const std::string& path) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      return std::nullopt;
    }
    if (!n->is_boolean()) {
      fail(*n, path, "must be true or false, got " + type_name(*n));
    }
    return n->value<bool>();
  }

  const toml::node& node(const toml::table& t, std::string_view key) const { return *t.get(key); }

private:
  std::string m_source;
};

law_spec read_law(const config_reader& r, const toml::table& root) {
  const toml::table* t = r.table(root, "law", "law");
  if (t == nullptr) {
    r.fail_at(root.source(), "missing [law] table",
              "add [law] with preset = \"sardana2024\" (or " + law_constant_names(", ") +
                  "); see `scalesweep presets`");
  }
  std::vector<std::string> keys{"preset", "samples"};
  for (const law_constant& c : law_constants) {
    keys.emplace_back(c.name);
  }
  r.reject_unknown_keys(*t, "law", keys);
  law_spec spec{"custom", {NAN, NAN, NAN, NAN, NAN}};
  if (const auto samples = r.string(*t, "samples", "law.samples")) {
    if (samples->empty()) {
      r.fail(r.node(*t, "samples"), "law.samples", "must name a samples file or preset",
             "a `scalesweep fit -o` file, or a samples preset (`scalesweep presets`)");
    }
    spec.samples_source = *samples;
    spec.samples_where = r.where(r.node(*t, "samples").source());
  }
  // With samples alone the law (for dense grids and the file's attributes) is the samples file's
  // estimate, read with the samples.
  const bool constants_optional =
      !spec.samples_source.empty() && t->get("preset") == nullptr &&
      std::none_of(std::begin(law_constants), std::end(law_constants),
                   [&](const law_constant& c) { return t->get(c.name) != nullptr; });
  if (constants_optional) {
    spec.preset = "samples";
  }
  if (const auto name = r.string(*t, "preset", "law.preset")) {
    const law_preset* p = find_law_preset(*name);
    if (p == nullptr) {
      r.fail(r.node(*t, "preset"), "law.preset",
             "unknown law preset '" + shown_token(*name) + "'" + law_preset_suggestion(*name),
             "allowed: " + law_preset_names());
    }
    spec.preset = *name;
    spec.law = p->law;
  }
  for (const law_constant& c : law_constants) {
    const std::string path = "law." + std::string(c.name);
    if (const auto v = r.number(*t, c.name, path)) {
      check_law_constant(c, *v, r.where(r.node(*t, c.name).source()) + ": " + path);
      spec.law.*c.member = *v;
      if (spec.preset != "custom") {
        spec.overrides.emplace_back(c.name);
      }
    } else if (spec.preset == "custom" && !constants_optional) {
      r.fail_at(t->source(), "law: '" + std::string(c.name) + "' is required without a preset",
                "give preset = \"...\" or all of " + law_constant_names(", "));
    }
  }
  return spec;
}

// [uncertainty]: only beside [law] samples, whose sample axis it reduces.
uncertainty_spec read_uncertainty(const config_reader& r, const toml::table& root,
                                  const law_spec& law) {
  uncertainty_spec u;
  const toml::table* t = r.table(root, "uncertainty", "uncertainty");
  if (t == nullptr) {
    return u;
  }
  u.where = r.where(t->source());
  if (law.samples_source.empty()) {
    r.fail_at(t->source(), "[uncertainty] needs law samples, and [law] names none",
              "add samples = \"epoch2024-bootstrap\" (or a `scalesweep fit -o` file) to [law]");
  }
  r.reject_unknown_keys(*t, "uncertainty", {"quantiles", "keep_samples"});
  if (const toml::node* n = t->get("quantiles")) {
    const std::string path = "uncertainty.quantiles";
    if (!n->is_array()) {
      r.fail(*n, path, "must be an array of numbers, got " + type_name(*n),
             "quantiles = [0.05, 0.5, 0.95]");
    }
    const toml::array& a = *n->as_array();
    if (a.empty()) {
      r.fail(*n, path, "must list at least one level", "quantiles = [0.05, 0.5, 0.95]");
    }
    u.quantiles.clear();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      const double q = r.number(*a.get(i), item);
      if (q < 0 || q > 1) {
        r.fail(*a.get(i), item, format_number(q) + " is outside [0, 1]",
               "quantile levels are probabilities: 0.05 is the 5 % quantile");
      }
      if (!u.quantiles.empty() && q <= u.quantiles.back()) {
        r.fail(*a.get(i), item,
               format_number(q) + " must be larger than the level before it (" +
                   format_number(u.quantiles.back()) + ")",
               "list the levels once each, in increasing order");
      }
      u.quantiles.push_back(q);
    }
  }
  u.keep_samples = r.boolean(*t, "keep_samples", "uncertainty.keep_samples").value_or(false);
  return u;
}

objective_kind read_objective(const config_reader& r, const toml::table& root) {
  const toml::table* t = r.table(root, "objective", "objective");
  if (t == nullptr) {
    return objective_kind::flops;
  }
  r.reject_unknown_keys(*t, "objective", {"kind"});
  const auto kind = r.string(*t, "kind", "objective.kind");
  if (!kind) {
    r.fail_at(t->source(), "objective: 'kind' is required",
              "kind = one of " + std::string(objective_names));
  }
  if (const std::optional<objective_kind> k = objective_from_name(*kind)) {
    return *k;
  }
  r.fail(r.node(*t, "kind"), "objective.kind", "unknown objective '" + shown_token(*kind) + "'",
         "allowed: " + std::string(objective_names));
}

// Lowest allowed value of each axis and whether it is included.
struct axis_domain {
  double lower;
  bool lower_inclusive;
  const char* text;
};

axis_domain domain_of(axis_id id) {
  switch (id) {
  case axis_id::T:
    return {0.0, true, "finite and >= 0"};
  case axis_id::loss_target:
    return {0.0, false, "finite and > 0 (targets <= E give status infeasible)"};
  case axis_id::spread:
    return {1.0, true, "finite and >= 1 (the demands from T/spread to T*spread)"};
  default:
    return {0.0, false, "finite and > 0"};
  }
}

axis read_axis(const config_reader& r, const toml::node& node, axis_id id,
               objective_kind objective) {
  const std::string path = "axes." + std::string(axis_name(id));
  if (!node.is_table()) {
    r.fail(node, path, "must be an inline table, got " + type_name(node),
           "e.g. " + std::string(axis_name(id)) + " = { log10 = [8, 12], points = 41 }");
  }
  const toml::table& t = *node.as_table();
  r.reject_unknown_keys(t, path, {"log10", "linear", "values", "points"});
  const int forms = static_cast<int>(t.contains("log10")) + static_cast<int>(t.contains("linear")) +
                    static_cast<int>(t.contains("values"));
  if (forms != 1) {
    r.fail(node, path, "give exactly one of log10 = [lo, hi], linear = [lo, hi] or values = [...]");
  }
  std::vector<double> values;
  std::string spacing;
  if (t.contains("values")) {
    spacing = "values";
    if (t.contains("points")) {
      r.fail(r.node(t, "points"), path + ".points", "is only used with log10 or linear");
    }
    const toml::node& vn = r.node(t, "values");
    if (!vn.is_array() || vn.as_array()->empty()) {
      r.fail(vn, path + ".values", "must be a non-empty array of numbers");
    }
    const toml::array& arr = *vn.as_array();
    if (static_cast<std::int64_t>(arr.size()) > max_axis_points) {
      r.fail(vn, path + ".values", "has more than " + format_count(max_axis_points) + " entries");
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
      values.push_back(r.number(arr[i], path + ".values[" + std::to_string(i) + "]"));
    }
  } else {
    spacing = t.contains("log10") ? "log10" : "linear";
    const toml::node& range = r.node(t, spacing);
    if (!range.is_array() || range.as_array()->size() != 2) {
      r.fail(range, path + "." + spacing, "must be [lo, hi]");
    }
    const double lo = r.number((*range.as_array())[0], path + "." + spacing + "[0]");
    const double hi = r.number((*range.as_array())[1], path + "." + spacing + "[1]");
    const auto points = r.integer(t, "points", path + ".points");
    if (!points) {
      r.fail(node, path, "'points' is required with " + spacing);
    }
    if (*points < 2 || *points > max_axis_points) {
      r.fail(r.node(t, "points"), path + ".points",
             std::to_string(*points) + " is outside [2, " + format_count(max_axis_points) + "]",
             "for a single value write values = [x]");
    }
    if (!(lo < hi)) {
      r.fail(range, path + "." + spacing,
             "needs lo < hi, got [" + format_number(lo) + ", " + format_number(hi) + "]");
    }
    if (spacing == "log10" && (lo < -300 || hi > 300)) {
      r.fail(range, path + ".log10", "exponents must lie in [-300, 300]",
             "log10 takes powers of ten: 1e8 to 1e12 is log10 = [8, 12]");
    }
    values = spacing == "log10" ? log10_points(lo, hi, *points) : linear_points(lo, hi, *points);
  }
  const axis_domain dom = domain_of(id);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const bool ok = std::isfinite(v) && (dom.lower_inclusive ? v >= dom.lower : v > dom.lower);
    // A listed value is reported at its own position; generated points at the axis.
    const bool listed = spacing == "values";
    const toml::node& at = listed ? (*r.node(t, "values").as_array())[i] : node;
    const std::string where = listed ? path + ".values[" + std::to_string(i) + "]" : path;
    if (!ok) {
      r.fail(at, where, "value " + format_number(v) + " is out of range: must be " + dom.text);
    }
    if (i > 0 && !(v > values[i - 1]) && listed) {
      r.fail(at, where,
             "values must be strictly increasing (" + format_number(values[i - 1]) +
                 " is followed by " + format_number(v) + ")");
    }
    if (i > 0 && !(v > values[i - 1]) && !listed) {
      r.fail(at, where,
             std::to_string(values.size()) + " " + spacing +
                 " points give equal neighbours in double precision (" + format_number(v) +
                 " twice): widen the range or use fewer points");
    }
  }
  return make_axis(id, objective, spacing, std::move(values));
}

std::vector<axis> read_axes(const config_reader& r, const toml::table& root,
                            objective_kind objective) {
  const toml::table* t = r.table(root, "axes", "axes");
  if (t == nullptr) {
    r.fail_at(root.source(), "missing [axes] table",
              "declare at least T and loss_target (or budget, or N and D)");
  }
  std::vector<std::string> names;
  for (axis_id id : all_axes) {
    if (id != axis_id::hardware) {
      names.emplace_back(axis_name(id));
    }
  }
  for (auto&& [key, node] : *t) {
    if (key.str() == "hardware") {
      r.fail(node, "axes.hardware", "the hardware axis comes from the [[hardware]] tables");
    }
    if (key.str() == axis_name(axis_id::T_plan)) {
      r.fail(node, "axes.T_plan", "T_plan takes the values of axes.T",
             "a regret grid compares every pair of demands of axes.T");
    }
  }
  r.reject_unknown_keys(*t, "axes", names);
  std::vector<axis> axes;
  for (axis_id id : all_axes) {
    if (const toml::node* n = t->get(axis_name(id))) {
      axes.push_back(read_axis(r, *n, id, objective));
      axes.back().where = r.where(n->source());
    }
  }
  return axes;
}

// A key both sides have (usd_per_hour) is named with its side in a swept scenario's name.
bool key_on_both_sides(std::string_view key) {
  const auto has = [&](const auto& fields) {
    return std::any_of(std::begin(fields), std::end(fields),
                       [&](const auto& f) { return f.key == key; });
  };
  return has(train_fields<std::optional>) && has(serve_fields<std::optional>);
}

// A number field given as { values = [...] }: one scenario per value.
struct swept_field {
  std::string field; // "serve.decode_mfu"
  std::string label; // in the scenario's name: "decode_mfu", "serve.usd_per_hour"
  std::vector<double> values;
  const toml::array* nodes; // where each value is written, for messages
  std::function<void(hardware_spec&, double)> set;
};

// A scenario of a [[hardware]] table, with where its swept values are written.
struct table_scenario {
  hardware_spec spec;
  std::vector<std::pair<std::string, const toml::node*>> swept_at; // field path -> the value
};

std::vector<double> read_swept_values(const config_reader& r, const toml::table& t,
                                      const std::string& path) {
  r.reject_unknown_keys(t, path, {"values"});
  const toml::node* n = t.get("values");
  if (n == nullptr || !n->is_array() || n->as_array()->empty()) {
    r.fail(n != nullptr ? *n : static_cast<const toml::node&>(t), path + ".values",
           "must be a non-empty array of numbers", "e.g. { values = [1.5, 2.0, 3.0] }");
  }
  std::vector<double> values;
  const toml::array& arr = *n->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = path + ".values[" + std::to_string(i) + "]";
    const double v = r.number(arr[i], at);
    if (std::find(values.begin(), values.end(), v) != values.end()) {
      // Two scenarios of one name: the hardware coordinate's names are unique.
      r.fail(arr[i], at, "repeats " + format_number(v) + ": each value makes one scenario");
    }
    values.push_back(v);
  }
  return values;
}

// One [[hardware]] table: its scenario, or one per combination of the values of its swept
// fields (the first swept field outermost), named "NAME key=value ...": `h100 decode_mfu=0.02`,
// with the side before a key both sides have (`serve.usd_per_hour=2.5`). Ranges are checked per
// scenario by resolve_hardware, naming the swept field's place in the file.
std::vector<table_scenario> read_hardware_table(const config_reader& r, const toml::table& t,
                                                const std::string& path) {
  r.reject_unknown_keys(t, path, {"name", "preset", "train", "serve"});
  hardware_spec spec;
  const auto name = r.string(t, "name", path + ".name");
  if (!name || name->empty()) {
    r.fail_at(t.source(), path + ": 'name' is required (a non-empty string)");
  }
  spec.name = *name;
  spec.preset = r.string(t, "preset", path + ".preset");
  std::vector<swept_field> swept;
  for_each_hardware_side([&](auto side) {
    const std::string p = path + "." + std::string(side.name);
    const toml::table* values = r.table(t, side.name, p);
    if (values == nullptr) {
      return;
    }
    std::vector<std::string> keys;
    for (const auto& f : side.given_fields()) {
      keys.emplace_back(f.key);
    }
    r.reject_unknown_keys(*values, p, keys);
    auto& given = side.of(spec);
    for (const auto& f : side.given_fields()) {
      const std::string key_path = p + "." + std::string(f.key);
      const toml::node* n = values->get(f.key);
      if (f.text != nullptr) {
        given.*f.text = r.string(*values, f.key, key_path);
      } else if (n != nullptr && n->is_table()) {
        if (!f.sweepable) {
          r.fail(*n, key_path, "cannot be swept: give one number",
                 "{ values = [...] } is for prices, MFUs, the token split and energy figures; "
                 "another GPU, dtype or peak is another [[hardware]] table");
        }
        const auto member = f.number;
        const std::string field = std::string(side.name) + "." + std::string(f.key);
        swept.push_back({field, key_on_both_sides(f.key) ? field : std::string(f.key),
                         read_swept_values(r, *n->as_table(), key_path),
                         n->as_table()->get("values")->as_array(),
                         [side, member](hardware_spec& s, double v) { side.of(s).*member = v; }});
      } else {
        given.*f.number = r.number(*values, f.key, key_path);
      }
    }
  });
  std::vector<table_scenario> scenarios{{spec, {}}};
  for (const swept_field& field : swept) {
    std::vector<table_scenario> next;
    for (const table_scenario& base : scenarios) {
      for (std::size_t i = 0; i < field.values.size(); ++i) {
        table_scenario one = base;
        field.set(one.spec, field.values[i]);
        one.spec.name += " " + field.label + "=" + format_number(field.values[i]);
        one.swept_at.emplace_back(field.field, field.nodes->get(i));
        next.push_back(std::move(one));
      }
    }
    scenarios = std::move(next);
  }
  return scenarios;
}

// Under objective flops the tables are checked like any others, then set aside with a warning:
// SPEC §3's example declares one under kind = "flops", and FLOPs do not depend on hardware.
std::vector<hardware_scenario> read_hardware(const config_reader& r, const toml::table& root,
                                             objective_kind objective,
                                             std::vector<std::string>& warnings) {
  const toml::node* n = root.get("hardware");
  if (n == nullptr) {
    if (needs_hardware(objective)) {
      // At the line that asks for dollars (or kWh, kg CO2e), where the user looks first.
      const toml::node* kind = root.at_path("objective.kind").node();
      r.fail_at(kind != nullptr ? kind->source() : root.source(),
                "objective '" + std::string(to_string(objective)) +
                    "' needs at least one [[hardware]] table",
                "add [[hardware]] with name = \"h100\" and preset = \"" +
                    std::string(default_hardware_preset) + "\" (see `scalesweep presets`)");
    }
    return {};
  }
  if (n->is_array() && n->as_array()->empty()) {
    r.fail(*n, "hardware",
           "an empty array declares no scenario: write [[hardware]] tables, or leave it out");
  }
  if (!n->is_array_of_tables()) {
    r.fail(*n, "hardware", "must be an array of tables: write [[hardware]], not [hardware]");
  }
  std::vector<hardware_scenario> out;
  const toml::array& arr = *n->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const toml::table& t = *arr[i].as_table();
    const std::string path = "hardware[" + std::to_string(i) + "]";
    for (const table_scenario& one : read_hardware_table(r, t, path)) {
      const hardware_spec& spec = one.spec;
      for (const hardware_scenario& prev : out) {
        if (prev.name == spec.name) {
          r.fail(r.node(t, "name"), path + ".name",
                 "duplicate scenario name '" + shown_token(spec.name) + "'");
        }
      }
      // A swept field's errors name the scenario (which of its values is out of range).
      const std::string scenario = spec.name == *t.get_as<std::string>("name")
                                       ? std::string()
                                       : " (scenario '" + shown_token(spec.name) + "')";
      const field_namer name_of = [&](std::string_view field) {
        const toml::node* at = &static_cast<const toml::node&>(t);
        const toml::node* found = t.at_path(field).node();
        for (const auto& [swept_field, value] : one.swept_at) {
          found = swept_field == field ? value : found; // the swept value itself
        }
        if (found != nullptr) {
          at = found;
        }
        return r.where(at->source()) + ": " + path + "." + std::string(field) + scenario;
      };
      out.push_back(resolve_hardware(spec, name_of));
      // Under flops the scenarios are checked as usd would cost them.
      const objective_kind costed = needs_hardware(objective) ? objective : objective_kind::usd;
      check_objective_fields(costed, out.back(), name_of);
      try {
        (void)cost_coefficients_of(costed, out.back());
      } catch (const input_error& e) {
        r.fail(arr[i], path, e.what() + scenario, e.hint());
      }
    }
  }
  if (objective == objective_kind::flops) {
    warnings.push_back(r.where(n->source()) +
                       ": hardware: the [[hardware]] tables are checked but not used: objective "
                       "'flops' counts FLOPs, which do not depend on hardware (set [objective] "
                       "kind = \"usd\", \"energy\" or \"co2\" to cost the scenarios)");
    return {};
  }
  return out;
}

output_spec read_output(const config_reader& r, const toml::table& root,
                        const std::string& source_name) {
  output_spec out;
  out.path = std::filesystem::path(source_name).stem().string() + ".h5";
  const toml::table* t = r.table(root, "output", "output");
  if (t == nullptr) {
    return out;
  }
  r.reject_unknown_keys(*t, "output",
                        {"path", "dense", "dtype", "compression", "deflate_level", "chunk_cells"});
  if (const auto path = r.string(*t, "path", "output.path")) {
    if (path->empty()) {
      r.fail(r.node(*t, "path"), "output.path", "must not be empty");
    }
    out.path = *path;
  }
  if (const toml::node* d = t->get("dense")) {
    if (!d->is_array()) {
      r.fail(*d, "output.dense", "must be an array of strings, e.g. [\"loss\", \"cost\"]");
    }
    out.dense.clear();
    out.dense_where.clear();
    out.dense_given = true;
    for (const toml::node& e : *d->as_array()) {
      const auto name = e.value<std::string>();
      if (!e.is_string() || (*name != "loss" && *name != "cost" && *name != "budget_curve" &&
                             *name != "implied_T" && *name != "regret")) {
        r.fail(e, "output.dense",
               "entries must be \"loss\", \"cost\", \"budget_curve\", \"implied_T\" or "
               "\"regret\"");
      }
      if (std::find(out.dense.begin(), out.dense.end(), *name) == out.dense.end()) {
        out.dense.push_back(*name);
        out.dense_where.push_back(r.where(e.source()));
      }
    }
  }
  if (const auto c = r.string(*t, "compression", "output.compression")) {
    if (*c == "none") {
      out.compression = compression_kind::none;
    } else if (*c == "deflate") {
      out.compression = compression_kind::deflate;
    } else {
      r.fail(r.node(*t, "compression"), "output.compression",
             "unknown compression '" + shown_token(*c) + "'",
             "allowed: none, deflate (shuffle + deflate, readable everywhere)");
    }
  }
  if (const auto level = r.integer(*t, "deflate_level", "output.deflate_level")) {
    if (*level < 1 || *level > 9) {
      r.fail(r.node(*t, "deflate_level"), "output.deflate_level",
             std::to_string(*level) + " is outside [1, 9]");
    }
    out.deflate_level = static_cast<int>(*level);
  }
  if (const auto cells = r.integer(*t, "chunk_cells", "output.chunk_cells")) {
    if (*cells < output_spec::min_chunk_cells || *cells > output_spec::max_chunk_cells) {
      r.fail(r.node(*t, "chunk_cells"), "output.chunk_cells",
             std::to_string(*cells) + " is outside [" +
                 std::to_string(output_spec::min_chunk_cells) + ", " +
                 std::to_string(output_spec::max_chunk_cells) + "]");
    }
    out.chunk_cells = *cells;
  }
  if (const toml::table* dtype = r.table(*t, "dtype", "output.dtype")) {
    r.reject_unknown_keys(*dtype, "output.dtype",
                          {"loss", "cost", "budget_curve", "implied_T", "regret"});
    for (auto&& [key, node] : *dtype) {
      const std::string path = "output.dtype." + std::string(key.str());
      const auto type = node.value<std::string>();
      if (!node.is_string() || (*type != "float32" && *type != "float64")) {
        r.fail(node, path, "must be \"float32\" or \"float64\"");
      }
      if (*type == "float32") {
        out.float32.emplace_back(key.str());
      }
    }
  }
  return out;
}

// [constraints] (SPEC §5.2): the settings, checked as the flags are (serving_limits.hpp), then
// N_max of each scenario from its serving GPU and dtype.
void read_constraints(const config_reader& r, const toml::table& root, sweep_config& c) {
  const toml::table* t = r.table(root, "constraints", "constraints");
  if (t == nullptr) {
    return;
  }
  std::vector<std::string> keys;
  for (const constraint_field& f : constraint_fields) {
    keys.emplace_back(f.key);
  }
  r.reject_unknown_keys(*t, "constraints", keys);
  if (!needs_hardware(c.objective)) {
    r.fail(
        *t, "constraints",
        "serving constraints bound N by a serving GPU's memory and bandwidth, which objective '" +
            std::string(to_string(c.objective)) + "' has none of",
        "set [objective] kind = \"usd\", \"energy\" or \"co2\" with [[hardware]] tables");
  }
  serving_constraints s = default_serving_constraints;
  const auto path = [](std::string_view key) { return "constraints." + std::string(key); };
  if (const auto gpus = r.integer(*t, "serve_gpus", path("serve_gpus"))) {
    s.serve_gpus = static_cast<double>(*gpus);
  }
  s.memory = r.boolean(*t, "memory", path("memory")).value_or(false);
  s.latency = t->contains("max_seconds_per_token");
  for (const constraint_field& f : constraint_fields) {
    if (f.number != nullptr && f.key != "serve_gpus") {
      if (const auto v = r.number(*t, f.key, path(f.key))) {
        s.*f.number = *v;
      }
    }
  }
  // Messages name the key where it was given, else the table; a scenario's serving GPU or dtype
  // that cannot be bounded is named with the scenario.
  const auto where_in_table = [&](std::string_view key) {
    const toml::node* n = t->get(key);
    return r.where(n != nullptr ? n->source() : t->source());
  };
  const field_namer name_of = [&](std::string_view field) {
    return where_in_table(field.substr(field.find('.') + 1)) + ": " + std::string(field);
  };
  const auto given = [&](std::string_view key) { return t->contains(key); };
  check_constraint_settings_used(s, given, name_of, false);
  check_serving_constraints(s, name_of);
  for (const hardware_scenario& h : c.hardware) {
    const field_namer scenario_field = [&](std::string_view field) {
      return r.where(t->source()) + ": constraints: hardware '" + shown_token(h.name) + "' " +
             std::string(field);
    };
    c.serving_limits.push_back(serving_limit_of(s, h, scenario_field));
  }
  c.constraints = s;
}

// Whether toml++ stopped at a value that starts with a letter (a bare word such as
// preset = sardana2024, the commonest slip in a config; true, false, inf and nan are values).
bool bare_word_value(const std::string& text, const toml::source_position& at) {
  std::size_t line_start = 0;
  for (toml::source_index line = 1; line < at.line; ++line) {
    line_start = text.find('\n', line_start);
    if (line_start == std::string::npos) {
      return false;
    }
    ++line_start;
  }
  const std::size_t i = line_start + at.column - 1;
  return i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0 &&
         text.find('=', line_start) < i;
}

// Where a budget axis probably holds the other objective's unit: no training run has cost 1e13
// USD, and 1e15 FLOP is about a second of one H100.
constexpr double usd_budget_warning = 1e13;
constexpr double flops_budget_warning = 1e15;

// A budget axis in the other objective's unit is valid input but almost surely a slip: FLOP-sized
// budgets under usd come out "ok" with absurd models, dollar-sized ones under flops infeasible or
// toy-sized.
void warn_about_budget_units(sweep_config& c) {
  const axis* budget = c.find_axis(axis_id::budget);
  if (budget == nullptr) {
    return;
  }
  const double largest = budget->values.back(); // axes are strictly increasing
  if (c.objective == objective_kind::usd && largest > usd_budget_warning) {
    c.warnings.push_back(budget->where + ": axes.budget: budgets up to " + format_number(largest) +
                         " USD under objective 'usd', more than any training run has cost: "
                         "budgets are in dollars here (FLOP budgets need kind = \"flops\")");
  }
  if (c.objective == objective_kind::flops && largest < flops_budget_warning) {
    c.warnings.push_back(budget->where + ": axes.budget: every budget is below " +
                         format_number(flops_budget_warning) +
                         " FLOP under objective 'flops', about a second of one GPU: budgets are in "
                         "FLOPs here (dollar budgets need kind = \"usd\" and [[hardware]])");
  }
}

} // namespace

void check_law_constant(const law_constant& constant, double value, const std::string& where) {
  const bool ok = std::isfinite(value) && (constant.zero_allowed ? value >= 0 : value > 0);
  if (!ok) {
    throw input_error(
        where + " = " + format_number(value) +
        (constant.zero_allowed ? " must be finite and >= 0" : " must be finite and > 0"));
  }
}

std::string law_spec::label() const {
  if (overrides.empty()) {
    return preset;
  }
  std::string names;
  for (const std::string& o : overrides) {
    names += (names.empty() ? "" : ", ") + o;
  }
  return preset + " with " + names + " overridden";
}

std::string law_spec::description() const {
  std::string constants;
  for (const law_constant& c : law_constants) {
    constants.append(constants.empty() ? "" : " ").append(c.name).append("=");
    constants += format_number(law.*c.member);
  }
  return label() + " (" + constants + ")";
}

sweep_config parse_config(const std::string& text, const std::string& source_name) {
  const config_reader r(source_name);
  check_key_depth(text, source_name);
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const std::string what(e.description());
    r.fail_at(e.source(), "TOML syntax error: " + what,
              bare_word_value(text, e.source().begin)
                  ? "text values need quotes: preset = \"sardana2024\", not preset = sardana2024"
                  : std::string());
  }
  r.reject_unknown_keys(
      root, "",
      {"title", "law", "objective", "axes", "hardware", "constraints", "output", "uncertainty"});
  sweep_config c;
  c.source_name = source_name;
  c.text = text;
  c.title = r.string(root, "title", "title").value_or("");
  c.law = read_law(r, root);
  c.objective = read_objective(r, root);
  c.hardware = read_hardware(r, root, c.objective, c.warnings);
  read_constraints(r, root, c);
  c.axes = read_axes(r, root, c.objective);
  c.axes_where = r.where(root["axes"].node()->source());
  warn_about_budget_units(c);
  c.output = read_output(r, root, source_name);
  c.uncertainty = read_uncertainty(r, root, c.law);
  return c;
}

sweep_config load_config(const std::string& path) {
  return parse_config(read_regular_file(path, max_config_bytes, "config"), path);
}

void drop_dense_grids(sweep_config& config) {
  config.output.dense.clear();
  config.output.dense_given = true;
}

} // namespace scalesweep
