// `scalesweep inspect RESULT.h5`: what a result file holds, for people (text) and scripts (--json).
#include "scalesweep/math/status.hpp"

#include "app/json_writer.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "plan/config.hpp"
#include "tools/result_reader.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

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

// The attribute as text: all elements joined by ", ", or only element `index` when given.
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
  return s.str();
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
    s += (i ? ", " : "") + d.dims[i];
  }
  return s + ")";
}

std::vector<std::string> flag_meanings(const h5::dataset_summary& d) {
  std::vector<std::string> out;
  std::istringstream words(text_of(attribute(d.attributes, "flag_meanings")));
  for (std::string w; words >> w;) {
    out.push_back(w);
  }
  return out;
}

// What the progress record says, in words: complete, a part of a sharded sweep, or unfinished.
// For an unfinished run, the command that continues it: the recorded one that started it (its
// flags decide what the file holds) with --resume.
std::string progress_text(const h5::progress_record& p, const std::string& command_line) {
  const std::string counts =
      format_count(p.chunks_done) + " of " + format_count(p.chunks) + " chunks written";
  if (p.merge_in_progress) {
    return "an unfinished merge (it was killed): delete this file and run the merge again";
  }
  if (p.partial_file) {
    std::string resume = command_line.empty() ? "scalesweep run CONFIG -o OUT" : command_line;
    if ((" " + resume + " ").find(" --resume ") == std::string::npos) {
      resume += " --resume";
    }
    return counts + " (an unfinished run: continue it with `" + resume + "`)";
  }
  if (p.shard != "1/1") {
    return "shard " + p.shard + " complete: " + format_count(p.chunks_done) + " of the grid's " +
           format_count(p.chunks) + " chunks (join the parts with `scalesweep merge`)";
  }
  return p.chunks_done == p.chunks ? "complete" : counts;
}

// One JSON object: every attribute, axis (with its values) and variable (dims, shape, dtype,
// attributes, status counts), and the progress record.
void print_json(const h5::result_reader& file, const std::string& path) {
  const auto& attrs = file.attributes();
  const h5::progress_record& progress = file.progress();
  json_writer j;
  j.begin_object().field("path", path).field("format_version", file.format_version());
  j.key("progress");
  if (progress.present) {
    j.begin_object().field("chunks_done", progress.chunks_done).field("chunks", progress.chunks);
    j.field("complete", progress.chunks_done == progress.chunks).field("shard", progress.shard);
    j.field("partial_file", progress.partial_file);
    j.field("merge_in_progress", progress.merge_in_progress).end_object();
  } else {
    j.null();
  }
  j.key("attributes").begin_object();
  for (const auto& [name, value] : attrs) {
    j.key(name);
    write_json_value(j, value);
  }
  j.end_object().key("axes").begin_object();
  for (const h5::dataset_summary& d : file.datasets()) {
    if (!d.is_coordinate) {
      continue;
    }
    j.key(d.name)
        .begin_object()
        .field("size", d.shape.empty() ? 0 : d.shape[0])
        .field("dtype", d.dtype);
    for (const auto& [name, value] : d.attributes) {
      j.key(name);
      write_json_value(j, value);
    }
    if (!d.shape.empty() && d.shape[0] <= max_listed_values) {
      j.key("values").begin_array();
      for (double v : file.read_numbers(d.name)) {
        j.value(v);
      }
      j.end_array();
    }
    j.end_object();
  }
  j.end_object().key("variables").begin_object();
  for (const h5::dataset_summary& d : file.datasets()) {
    if (d.is_coordinate) {
      continue;
    }
    j.key(d.name).begin_object().key("dims").begin_array();
    for (const std::string& dim : d.dims) {
      j.value(dim);
    }
    j.end_array().key("shape").begin_array();
    for (std::int64_t n : d.shape) {
      j.value(n);
    }
    j.end_array().field("dtype", d.dtype);
    for (const auto& [name, value] : d.attributes) {
      j.key(name);
      write_json_value(j, value);
    }
    if (d.name == "hardware_name") {
      j.key("values").begin_array();
      for (const std::string& s : file.read_strings(d.name)) {
        j.value(s);
      }
      j.end_array();
    }
    const std::vector<std::string> meanings = flag_meanings(d);
    if (!meanings.empty()) {
      const h5::status_counts counts = file.count_status(d.name, meanings.size());
      j.key("status_counts").begin_object();
      for (std::size_t i = 0; i < meanings.size(); ++i) {
        j.field(meanings[i], counts.per_flag[i]);
      }
      j.field("unwritten", counts.unwritten).field("other", counts.other).end_object();
    }
    j.end_object();
  }
  j.end_object().end_object();
  std::fputs(j.str().c_str(), stdout);
}

// The human summary: provenance, progress, law, objective, axes, variables, hardware, statuses.
void print_text(const h5::result_reader& file, const std::string& path) {
  const auto& attrs = file.attributes();

  std::printf("%s: scalesweep result (format %lld), scalesweep %s (%s), created %s\n", path.c_str(),
              static_cast<long long>(file.format_version()),
              text_of(attribute(attrs, "scalesweep_version")).c_str(),
              text_of(attribute(attrs, "git_revision")).c_str(),
              text_of(attribute(attrs, "created")).c_str());
  if (file.progress().present) {
    std::printf("progress: %s\n",
                progress_text(file.progress(), text_of(attribute(attrs, "command_line"))).c_str());
  }
  const std::string title = text_of(attribute(attrs, "title"));
  if (!title.empty()) {
    std::printf("title: %s\n", title.c_str());
  }
  law_spec law{text_of(attribute(attrs, "law_preset")), {}};
  std::istringstream overrides(text_of(attribute(attrs, "law_overrides")));
  for (std::string name; overrides >> name;) {
    law.overrides.push_back(name);
  }
  std::printf(
      "law: %s (E=%s A=%s B=%s alpha=%s beta=%s)\n", law.label().c_str(),
      text_of(attribute(attrs, "law_E")).c_str(), text_of(attribute(attrs, "law_A")).c_str(),
      text_of(attribute(attrs, "law_B")).c_str(), text_of(attribute(attrs, "law_alpha")).c_str(),
      text_of(attribute(attrs, "law_beta")).c_str());
  std::printf("objective: %s (costs in %s); backend: %s\n",
              text_of(attribute(attrs, "objective")).c_str(),
              text_of(attribute(attrs, "cost_units")).c_str(),
              text_of(attribute(attrs, "backend")).c_str());
  std::printf("config: %s\n", text_of(attribute(attrs, "config_path")).c_str());
  std::printf("axes:\n");
  for (const h5::dataset_summary& d : file.datasets()) {
    if (!d.is_coordinate) {
      continue;
    }
    const std::vector<double> v = file.read_numbers(d.name);
    const std::int64_t points = d.shape.empty() ? 0 : d.shape[0];
    std::printf("  %-12s %8s point%s", d.name.c_str(), format_count(points).c_str(),
                points == 1 ? " " : "s");
    if (d.name == "hardware") {
      std::string names;
      for (const std::string& s : file.read_strings("hardware_name")) {
        names += (names.empty() ? "" : ", ") + s;
      }
      std::printf("  %s\n", names.c_str());
    } else if (!v.empty()) {
      const std::string range = v.size() == 1
                                    ? format_number(v.front())
                                    : format_number(v.front()) + " .. " + format_number(v.back());
      std::printf("  %s %s (%s)\n", range.c_str(),
                  text_of(attribute(d.attributes, "units")).c_str(),
                  text_of(attribute(d.attributes, "spacing")).c_str());
    } else {
      std::printf("\n");
    }
  }
  std::printf("variables:\n");
  for (const h5::dataset_summary& d : file.datasets()) {
    if (d.is_coordinate) {
      continue;
    }
    std::string shape;
    for (std::int64_t n : d.shape) {
      shape += (shape.empty() ? "" : " x ") + format_count(n);
    }
    std::printf("  %-24s %-32s %-8s %-12s %s\n", d.name.c_str(), dims_text(d).c_str(),
                d.dtype.c_str(), text_of(attribute(d.attributes, "units")).c_str(), shape.c_str());
  }
  if (const h5::attribute_value* names = attribute(attrs, "hardware_names");
      names != nullptr && attribute(attrs, "hardware_train_gpu") != nullptr) {
    std::printf("hardware scenarios (train: GPU dtype MFU $/h; serve: GPU dtype prefill/decode MFU "
                "$/h, tokens in/out):\n");
    const auto field = [&](const char* name, std::size_t i) {
      return text_of(attribute(attrs, std::string("hardware_") + name), i);
    };
    const auto& list = std::get<std::vector<std::string>>(names->values);
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::printf("  %-22s train %s %s %s $%s/h; serve %s %s %s/%s $%s/h, %s/%s\n", list[i].c_str(),
                  field("train_gpu", i).c_str(), field("train_dtype", i).c_str(),
                  field("train_mfu", i).c_str(), field("train_usd_per_hour", i).c_str(),
                  field("serve_gpu", i).c_str(), field("serve_dtype", i).c_str(),
                  field("serve_prefill_mfu", i).c_str(), field("serve_decode_mfu", i).c_str(),
                  field("serve_usd_per_hour", i).c_str(), field("serve_input_tokens", i).c_str(),
                  field("serve_output_tokens", i).c_str());
    }
  }
  for (const h5::dataset_summary& d : file.datasets()) {
    const std::vector<std::string> meanings = flag_meanings(d);
    if (meanings.empty()) {
      continue;
    }
    const h5::status_counts counts = file.count_status(d.name, meanings.size());
    std::string line = d.name + ":";
    for (std::size_t i = 0; i < meanings.size(); ++i) {
      line += (i ? ", " : " ") + meanings[i] + " " + format_count(counts.per_flag[i]);
    }
    if (counts.unwritten > 0) {
      // A finished shard part never holds the other parts' cells; an unfinished run has yet to.
      const h5::progress_record& progress = file.progress();
      line += (progress.shard != "1/1" && !progress.partial_file ? "; in other parts "
                                                                 : "; not yet computed ") +
              format_count(counts.unwritten);
    }
    if (counts.other > 0) {
      line += "; values outside flag_values " + format_count(counts.other);
    }
    std::printf("%s\n", line.c_str());
  }
}

int run(const inspect_options& o) {
  const h5::result_reader file(o.path);
  if (o.json) {
    print_json(file, o.path);
  } else {
    print_text(file, o.path);
  }
  return exit_ok;
}

} // namespace

command add_inspect_command(CLI::App& parent) {
  auto o = std::make_shared<inspect_options>();
  CLI::App* app = parent.add_subcommand(
      "inspect", "Summarise a result file: axes, variables, law, objective, hardware, statuses");
  app->add_option("file", o->path, "Result file (HDF5)")->required();
  app->add_flag("--json", o->json, "Print one JSON object (every attribute, axis and variable)");
  return {app, [o] { return run(*o); }};
}

} // namespace scalesweep::cli
