// What a sweep will do, in words and as JSON.
#include "app/plan_report.hpp"

#include "app/field_json.hpp"
#include "app/json_writer.hpp"
#include "app/output_path.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace scalesweep::app {

namespace {
std::string range_text(const axis& a) {
  if (a.values.size() == 1) {
    return format_number(a.values.front());
  }
  return format_number(a.values.front()) + " .. " + format_number(a.values.back());
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + ")";
}

// [constraints] in words: the active bounds and their settings, then N_max per scenario.
std::string constraints_text(const sweep_config& c) {
  const serving_constraints& k = *c.constraints;
  std::string s = "constraints: " + format_number(k.serve_gpus) + " serving GPU" +
                  (k.serve_gpus == 1 ? "" : "s");
  if (k.memory) {
    s += "; memory (" + format_number(100 * k.memory_reserve) + " % kept for KV cache)";
  }
  if (k.latency) {
    s += "; latency <= " + format_number(k.max_seconds_per_token) + " s per output token (" +
         format_number(100 * k.bandwidth_efficiency) + " % of HBM bandwidth)";
  }
  s += "\n";
  for (std::size_t h = 0; h < c.hardware.size(); ++h) {
    const serving_limit& l = c.serving_limits[h];
    s += "  N_max " + escape_for_terminal(c.hardware[h].name) + ": " + format_number(l.N_max) +
         " (" + to_string(l.binding) + ")\n";
  }
  return s;
}

std::string dims_text(const problem_grid& p) {
  std::string s = "(";
  for (std::size_t i = 0; i < p.dims.size(); ++i) {
    s += (i ? ", " : "") + std::string(axis_name(p.dims[i]));
  }
  return s + ")";
}
} // namespace

std::string describe_plan(const sweep_plan& plan, const std::string& output_path,
                          const memory_use& memory, const shard_spec& shard) {
  const sweep_config& c = plan.config;
  std::ostringstream s;
  if (!c.title.empty()) {
    s << "sweep: " << escape_for_terminal(c.title) << "\n";
  }
  s << "law: " << c.law.description() << "\n";
  s << "objective: " << to_string(c.objective) << " (costs in " << cost_units(c.objective) << ")\n";
  for (const hardware_scenario& h : c.hardware) {
    // Every field, peaks too, not only the GPU's name: a config may override a preset's numbers.
    // Names and labels as the config wrote them: escaped (a GPU label is free text with a peak).
    s << "hardware " << escape_for_terminal(h.name) << ": "
      << escape_for_terminal(describe_sides(h)) << "\n";
  }
  if (c.constraints) {
    s << constraints_text(c);
  }
  s << "axes:\n";
  for (const axis& a : plan.axes) {
    if (a.id == axis_id::hardware) {
      continue;
    }
    s << "  " << a.name << ": " << a.size() << (a.size() == 1 ? " point (" : " points (")
      << a.spacing << ") " << range_text(a) << " " << a.text_units << "\n";
  }
  s << "problems:\n";
  for (const problem_grid& p : plan.problems) {
    s << "  " << p.name << " " << dims_text(p) << " = " << shape_text(p.shape) << ": "
      << format_count(p.cells()) << (p.cells() == 1 ? " cell in " : " cells in ")
      << format_count(p.tile_count()) << (p.tile_count() == 1 ? " tile of " : " tiles of ")
      << shape_text(p.tile_shape) << "\n";
  }
  s << "total: " << format_count(plan.total_cells())
    << (plan.total_cells() == 1 ? " cell" : " cells");
  if (!shard.whole()) {
    s << "; shard " << shard.text() << ": " << format_count(shard_cells(plan, shard)) << " of them";
  }
  if (output_path.empty()) {
    s << "; no output (--no-output)\n";
  } else {
    s << "; output " << escape_for_terminal(output_path) << " (";
    if (!shard.whole()) {
      s << "part up to " << format_bytes(static_cast<double>(shard_output_bytes(plan, shard)))
        << " of the whole run's ";
    }
    s << format_bytes(static_cast<double>(plan.output_bytes())) << " uncompressed"
      << (c.output.compression == compression_kind::deflate ? ", deflate" : "");
    const std::int64_t free = free_disk_bytes(output_path);
    if (free >= 0) {
      s << "; " << format_bytes(static_cast<double>(free)) << " free there";
    }
    s << ")\n";
  }
  s << "memory: host " << format_bytes(static_cast<double>(memory.host_bytes)) << " (limit "
    << format_bytes(static_cast<double>(memory.host_limit)) << ")";
  if (memory.device_bytes > 0) {
    s << ", GPU " << format_bytes(static_cast<double>(memory.device_bytes)) << " (limit "
      << (memory.device_limit > 0 ? format_bytes(static_cast<double>(memory.device_limit))
                                  : std::string("half the free memory of the run's device"))
      << ")";
  }
  s << "\n";
  return s.str();
}

std::string plan_json(const sweep_plan& plan, const std::string& output_path,
                      const memory_use& memory, const chosen_backend& backend,
                      const shard_spec& shard) {
  const sweep_config& c = plan.config;
  json_writer j;
  j.begin_object();
  j.field("config", c.source_name).field("title", c.title).field("output", output_path);
  j.field("backend", backend.kind).field("backend_reason", backend.reason);
  j.key("law").begin_object().field("preset", c.law.preset);
  write_law_constants(j, c.law.law);
  j.end_object();
  j.field("objective", to_string(c.objective));
  j.key("hardware").begin_array();
  for (const std::string& h : plan.hardware_names) {
    j.value(h);
  }
  j.end_array();
  // [constraints]: per scenario N_max and the bound that sets it; null without the table.
  j.key("constraints");
  if (c.constraints) {
    j.begin_object().field("serve_gpus", static_cast<std::int64_t>(c.constraints->serve_gpus));
    j.key("N_max").begin_array();
    for (const serving_limit& l : c.serving_limits) {
      j.value(l.N_max);
    }
    j.end_array().key("binding").begin_array();
    for (const serving_limit& l : c.serving_limits) {
      j.value(std::string_view(to_string(l.binding)));
    }
    j.end_array().end_object();
  } else {
    j.null();
  }
  j.key("axes").begin_object();
  for (const axis& a : plan.axes) {
    j.key(a.name).begin_object().field("size", a.size()).field("spacing", a.spacing);
    j.field("units", a.units).field("min", a.values.front()).field("max", a.values.back());
    j.end_object();
  }
  j.end_object();
  j.key("problems").begin_array();
  for (const problem_grid& p : plan.problems) {
    j.begin_object().field("name", p.name).key("dims").begin_array();
    for (axis_id d : p.dims) {
      j.value(axis_name(d));
    }
    j.end_array().key("shape").begin_array();
    for (std::int64_t n : p.shape) {
      j.value(n);
    }
    j.end_array().key("tile_shape").begin_array();
    for (std::int64_t n : p.tile_shape) {
      j.value(n);
    }
    j.end_array()
        .field("cells", p.cells())
        .field("tiles", p.tile_count())
        .key("variables")
        .begin_array();
    for (const variable_info& v : p.outputs) {
      j.value(v.name);
    }
    j.end_array().end_object();
  }
  j.end_array();
  j.field("cells", plan.total_cells());
  j.field("output_bytes", plan.output_bytes());
  // The part this process writes: the whole run for "1/1".
  j.field("shard", shard.text()).field("shard_cells", shard_cells(plan, shard));
  j.field("shard_output_bytes", shard_output_bytes(plan, shard));
  j.field("disk_free_bytes", free_disk_bytes(output_path));
  j.field("host_memory_bytes", memory.host_bytes);
  j.field("memory_limit_bytes", memory.host_limit).field("gpu_memory_bytes", memory.device_bytes);
  j.field("gpu_memory_limit_bytes", memory.device_limit);
  j.key("warnings").begin_array();
  for (const std::string& w : c.warnings) {
    j.value(w);
  }
  j.end_array();
  j.end_object();
  return j.str();
}

std::string shard_without_work(const sweep_plan& plan, const shard_spec& shard) {
  if (shard.whole() || shard_cells(plan, shard) > 0) {
    return "";
  }
  // Its (empty) part is still written: merge expects all n parts of a job array.
  const std::int64_t blocks = largest_block_count(plan);
  const std::string working = blocks == 1 ? "shard 1" : "shards 1-" + std::to_string(blocks);
  return "shard " + shard.text() + " has no work: this grid has " + std::to_string(blocks) +
         (blocks == 1 ? " block" : " blocks") + ", so " + working + " of " +
         std::to_string(shard.count) + (blocks == 1 ? " computes" : " compute") +
         " cells and the others write empty parts";
}

void print_config_warnings(const sweep_config& config) {
  for (const std::string& w : config.warnings) {
    std::fprintf(stderr, "warning: %s\n", escape_for_terminal(w).c_str());
  }
}

} // namespace scalesweep::app
