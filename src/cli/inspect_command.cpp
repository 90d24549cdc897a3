// `scalesweep inspect RESULT.h5`: what a result file holds, for people (text) and scripts (--json).
#include "cli/inspect_command.hpp"

#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "output/schema.hpp"
#include "plan/config.hpp"
#include "tools/result_reader.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

namespace scalesweep::cli {

namespace {

struct inspect_options {
  std::string path;
  bool json = false;
};

// Coordinates are written out in full up to this size (longer axes: size and range only).
constexpr std::int64_t max_listed_values = 1'000'000;

const h5::attribute_value*
attribute(const std::vector<std::pair<std::string, h5::attribute_value>>& list,
          const std::string& name) {
  for (const auto& [key, value] : list) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

// The attribute as text for the terminal (escaped: a file's text is untrusted): all elements
// joined by ", ", or only element `index` when given.
std::string text_of(const h5::attribute_value* a, std::optional<std::size_t> index = {}) {
  if (a == nullptr) {
    return "";
  }
  std::ostringstream s;
  std::visit(
      [&](const auto& values) {
        for (std::size_t i = 0; i < values.size(); ++i) {
          if (index && i != *index) {
            continue;
          }
          s << (i && !index ? ", " : "");
          if constexpr (std::is_same_v<std::decay_t<decltype(values[i])>, double>) {
            s << format_number(values[i]);
          } else {
            s << values[i];
          }
        }
      },
      a->values);
  return escape_for_terminal(s.str());
}

void write_json_value(json_writer& j, const h5::attribute_value& a) {
  std::visit(
      [&](const auto& values) {
        if (a.scalar && values.size() == 1) {
          j.value(values[0]);
          return;
        }
        j.begin_array();
        for (const auto& v : values) {
          j.value(v);
        }
        j.end_array();
      },
      a.values);
}

std::string dims_text(const h5::dataset_summary& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.dims.size(); ++i) {
    s += (i ? ", " : "") + escape_for_terminal(d.dims[i]);
  }
  return s + ")";
}

std::vector<std::string> flag_meanings(const h5::dataset_summary& d) {
  std::vector<std::string> out;
  std::istringstream words(text_of(attribute(d.attributes, schema::variable::flag_meanings)));
  for (std::string w; words >> w;) {
    out.push_back(w);
  }
  return out;
}

// What both reports show of one file, read once: each coordinate's values (its ends beyond
// max_listed_values; the names of a string coordinate, hardware), and each status variable's
// counts.
struct coordinate_report {
  const h5::dataset_summary* d;
  std::int64_t points;
  std::vector<double> values;     // all of them, up to max_listed_values points
  double first = 0, last = 0;     // when points > 0
  std::vector<std::string> names; // a string coordinate's values, all of them
};

struct variable_report {
  const h5::dataset_summary* d;
  std::vector<std::string> meanings; // flag_meanings of a status variable, else empty
  h5::status_counts counts;          // per meaning (status variables)
};

struct inspect_report {
  const h5::result_reader& file;
  std::string path;
  std::vector<coordinate_report> coordinates;
  std::vector<variable_report> variables;
  std::vector<std::string> hardware_names; // the hardware coordinate's values
};

inspect_report gather(const h5::result_reader& file, const std::string& path) {
  inspect_report r{file, path, {}, {}, {}};
  for (const h5::dataset_summary& d : file.datasets()) {
    if (d.is_coordinate) {
      coordinate_report c{&d, d.shape.empty() ? 0 : d.shape[0], {}, 0, 0, {}};
      if (d.dtype == "string") {
        c.names = file.read_strings(d.name);
        if (d.name == axis_name(axis_id::hardware)) {
          r.hardware_names = c.names;
        }
      } else if (c.points > 0 && c.points <= max_listed_values) {
        c.values = file.read_numbers(d.name);
        c.first = c.values.front();
        c.last = c.values.back();
      } else if (c.points > 0) {
        std::tie(c.first, c.last) = file.read_ends(d.name);
      }
      r.coordinates.push_back(std::move(c));
      continue;
    }
    variable_report v{&d, flag_meanings(d), {}};
    if (!v.meanings.empty()) {
      v.counts = file.count_status(d.name, v.meanings.size());
    }
    r.variables.push_back(std::move(v));
  }
  return r;
}

// What the progress record says, in words: complete, a part of a sharded sweep, or unfinished.
// An unfinished run continues with the command that started it (its flags decide what the file
// holds) and --resume: that command comes from the file, so it is shown as data (print_header),
// never turned into a command to paste.
std::string progress_text(const h5::progress_record& p) {
  const std::string counts =
      format_count(p.chunks_done) + " of " + format_count(p.chunks) + " chunks written";
  if (p.merge_in_progress) {
    return "an unfinished merge (it was killed): delete this file and run the merge again";
  }
  if (p.partial_file) {
    return counts + " (an unfinished run: run the command that started it again, with --resume)";
  }
  if (p.shard != "1/1") {
    return "shard " + p.shard + " complete: " + format_count(p.chunks_done) + " of the grid's " +
           format_count(p.chunks) + " chunks (join the parts with `scalesweep merge`)";
  }
  return p.chunks_done == p.chunks ? "complete" : counts;
}

void write_progress_json(json_writer& j, const h5::progress_record& progress) {
  j.key("progress");
  if (!progress.present) {
    j.null();
    return;
  }
  j.begin_object().field("chunks_done", progress.chunks_done).field("chunks", progress.chunks);
  j.field("complete", progress.chunks_done == progress.chunks).field("shard", progress.shard);
  j.field("partial_file", progress.partial_file);
  j.field("merge_in_progress", progress.merge_in_progress).end_object();
}

void write_attributes_json(json_writer& j,
                           const std::vector<std::pair<std::string, h5::attribute_value>>& list) {
  for (const auto& [name, value] : list) {
    j.key(name);
    write_json_value(j, value);
  }
}

// Each coordinate: size, dtype, attributes and its values (up to max_listed_values).
void write_axes_json(json_writer& j, const inspect_report& r) {
  j.key("axes").begin_object();
  for (const coordinate_report& c : r.coordinates) {
    j.key(c.d->name).begin_object().field("size", c.points).field("dtype", c.d->dtype);
    write_attributes_json(j, c.d->attributes);
    if (c.d->dtype == "string") {
      j.key("values").begin_array();
      for (const std::string& name : c.names) {
        j.value(name);
      }
      j.end_array();
    } else if (!c.d->shape.empty() && c.points <= max_listed_values) {
      j.key("values").begin_array();
      for (double v : c.values) {
        j.value(v);
      }
      j.end_array();
    }
    j.end_object();
  }
  j.end_object();
}

// Each variable: dims, shape, dtype, attributes, status counts.
void write_variables_json(json_writer& j, const inspect_report& r) {
  j.key("variables").begin_object();
  for (const variable_report& v : r.variables) {
    const h5::dataset_summary& d = *v.d;
    j.key(d.name).begin_object().key("dims").begin_array();
    for (const std::string& dim : d.dims) {
      j.value(dim);
    }
    j.end_array().key("shape").begin_array();
    for (std::int64_t n : d.shape) {
      j.value(n);
    }
    j.end_array().field("dtype", d.dtype);
    write_attributes_json(j, d.attributes);
    if (!v.meanings.empty()) {
      j.key("status_counts").begin_object();
      for (std::size_t i = 0; i < v.meanings.size(); ++i) {
        j.field(v.meanings[i], v.counts.per_flag[i]);
      }
      j.field("unwritten", v.counts.unwritten).field("other", v.counts.other).end_object();
    }
    j.end_object();
  }
  j.end_object();
}

// One JSON object: every attribute, axis (with its values) and variable (dims, shape, dtype,
// attributes, status counts), and the progress record.
void print_json(const inspect_report& r) {
  json_writer j;
  j.begin_object().field("path", r.path).field("format_version", r.file.format_version());
  write_progress_json(j, r.file.progress());
  j.key("attributes").begin_object();
  write_attributes_json(j, r.file.attributes());
  j.end_object();
  write_axes_json(j, r);
  write_variables_json(j, r);
  j.end_object();
  std::fputs(j.str().c_str(), stdout);
}

// The text of root attribute `name`.
std::string root_text(const inspect_report& r, const std::string& name) {
  return text_of(attribute(r.file.attributes(), name));
}

// Provenance, progress and title.
void print_header(const inspect_report& r) {
  std::printf("%s: scalesweep result (format %lld), scalesweep %s (%s), created %s\n",
              escape_for_terminal(r.path).c_str(), static_cast<long long>(r.file.format_version()),
              root_text(r, schema::root::scalesweep_version).c_str(),
              root_text(r, schema::root::git_revision).c_str(),
              root_text(r, schema::root::created).c_str());
  if (r.file.progress().present) {
    std::printf("progress: %s\n", progress_text(r.file.progress()).c_str());
    const std::string command = root_text(r, schema::root::command_line);
    if (r.file.progress().partial_file && !command.empty()) {
      std::printf("recorded command: %s\n", command.c_str());
    }
  }
  const std::string title = root_text(r, schema::root::title);
  if (!title.empty()) {
    std::printf("title: %s\n", title.c_str());
  }
}

// The law as used (law_spec's label, the constants as stored), objective, backend, config.
void print_law_and_objective(const inspect_report& r) {
  law_spec law{root_text(r, schema::root::law_preset), {}};
  std::istringstream overrides(root_text(r, schema::root::law_overrides));
  for (std::string name; overrides >> name;) {
    law.overrides.push_back(name);
  }
  std::string constants;
  for (const law_constant& c : law_constants) {
    constants.append(constants.empty() ? "" : " ").append(c.name).append("=");
    constants += root_text(r, schema::law_attribute(c));
  }
  std::printf("law: %s (%s)\n", law.label().c_str(), constants.c_str());
  std::printf(
      "objective: %s (costs in %s); backend: %s\n", root_text(r, schema::root::objective).c_str(),
      root_text(r, schema::root::cost_units).c_str(), root_text(r, schema::root::backend).c_str());
  std::printf("config: %s\n", root_text(r, schema::root::config_path).c_str());
}

void print_axes(const inspect_report& r) {
  std::printf("axes:\n");
  for (const coordinate_report& c : r.coordinates) {
    std::printf("  %-12s %8s point%s", escape_for_terminal(c.d->name).c_str(),
                format_count(c.points).c_str(), c.points == 1 ? " " : "s");
    if (c.d->dtype == "string") {
      std::string names;
      for (const std::string& s : c.names) {
        names += (names.empty() ? "" : ", ") + escape_for_terminal(s);
      }
      std::printf("  %s\n", names.c_str());
    } else if (c.points > 0) {
      const std::string range = c.points == 1
                                    ? format_number(c.first)
                                    : format_number(c.first) + " .. " + format_number(c.last);
      // The unit where it says something (counts and losses are "1"), then the long name.
      const std::string units = text_of(attribute(c.d->attributes, schema::variable::units));
      const std::string shown_units = units.empty() || units == "1" ? "" : " " + units;
      std::printf("  %s%s (%s): %s\n", range.c_str(), shown_units.c_str(),
                  text_of(attribute(c.d->attributes, schema::variable::spacing)).c_str(),
                  text_of(attribute(c.d->attributes, schema::variable::long_name)).c_str());
    } else {
      std::printf("\n");
    }
  }
}

void print_variables(const inspect_report& r) {
  std::printf("variables:\n");
  for (const variable_report& v : r.variables) {
    const h5::dataset_summary& d = *v.d;
    std::string shape;
    for (std::int64_t n : d.shape) {
      shape += (shape.empty() ? "" : " x ") + format_count(n);
    }
    std::printf("  %-24s %-32s %-8s %-12s %s\n", escape_for_terminal(d.name).c_str(),
                dims_text(d).c_str(), escape_for_terminal(d.dtype).c_str(),
                text_of(attribute(d.attributes, schema::variable::units)).c_str(), shape.c_str());
  }
}

// Each scenario's resolved numbers, from the hardware_<side>_<field> attributes (files of a
// hardware objective): read back into a scenario, printed as the plan report prints it.
void print_hardware(const inspect_report& r) {
  const auto& attrs = r.file.attributes();
  if (attribute(attrs, schema::hardware_attribute("train", "gpu")) == nullptr) {
    return;
  }
  std::printf("hardware scenarios:\n");
  const std::vector<std::string>& list = r.hardware_names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    hardware_scenario h;
    for_each_hardware_side([&](auto side) {
      for (const auto& f : side.resolved_fields()) {
        const h5::attribute_value* a =
            attribute(attrs, schema::hardware_attribute(side.name, f.key));
        if (f.text != nullptr) {
          side.of(h).*f.text = text_of(a, i);
        } else {
          // Files of this format version hold every field; a missing one would print as NaN.
          const auto* v = a != nullptr ? std::get_if<std::vector<double>>(&a->values) : nullptr;
          side.of(h).*f.number = v != nullptr && i < v->size() ? (*v)[i] : NAN;
        }
      }
    });
    std::printf("  %s: %s\n", escape_for_terminal(list[i]).c_str(), describe_sides(h).c_str());
  }
}

// Cells per status of each status variable, and those no run has written.
void print_statuses(const inspect_report& r) {
  const h5::progress_record& progress = r.file.progress();
  for (const variable_report& v : r.variables) {
    if (v.meanings.empty()) {
      continue;
    }
    std::string line = escape_for_terminal(v.d->name) + ":";
    for (std::size_t i = 0; i < v.meanings.size(); ++i) {
      line += (i ? ", " : " ") + v.meanings[i] + " " + format_count(v.counts.per_flag[i]);
    }
    if (v.counts.unwritten > 0) {
      // A finished shard part never holds the other parts' cells; an unfinished run has yet to.
      line += (progress.shard != "1/1" && !progress.partial_file ? "; in other parts "
                                                                 : "; not yet computed ") +
              format_count(v.counts.unwritten);
    }
    if (v.counts.other > 0) {
      line += "; values outside flag_values " + format_count(v.counts.other);
    }
    std::printf("%s\n", line.c_str());
  }
}

// The human summary: provenance, progress, law, objective, axes, variables, hardware, statuses.
void print_text(const inspect_report& r) {
  print_header(r);
  print_law_and_objective(r);
  print_axes(r);
  print_variables(r);
  print_hardware(r);
  print_statuses(r);
}

int run(const inspect_options& o) {
  // libhdf5 1.10 crashes or spins on some damaged files: the file is read in a child process,
  // and what it printed is shown once it has read everything.
  const isolated_output printed = h5::read_untrusted_file(
      o.path, [&] { print_inspection(h5::result_reader(o.path), o.path, o.json); });
  std::fputs(printed.err.c_str(), stderr);
  std::fwrite(printed.out.data(), 1, printed.out.size(), stdout);
  return app::exit_ok;
}

} // namespace

void print_inspection(const h5::result_reader& file, const std::string& path, bool json) {
  const inspect_report report = gather(file, path);
  if (json) {
    print_json(report);
  } else {
    print_text(report);
  }
}

command add_inspect_command(CLI::App& parent) {
  auto o = std::make_shared<inspect_options>();
  CLI::App* app = parent.add_subcommand(
      "inspect", "Summarise a result file: axes, variables, law, objective, hardware, statuses");
  app->add_option("file", o->path, "Result file (HDF5)")->required();
  app->add_flag("--json", o->json, "Print one JSON object (every attribute, axis and variable)");
  return {app, [o] { return run(*o); }};
}

} // namespace scalesweep::cli
