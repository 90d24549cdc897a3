// Writes output/schema.hpp and the tables it presents as one JSON object.
#include "app/result_schema_json.hpp"

#include "app/json_writer.hpp"
#include "output/schema.hpp"

namespace scalesweep {

namespace {

void write_attributes(json_writer& j) {
  j.key("attributes").begin_object();
  j.field("title", schema::root::title).field("format_version", schema::root::format_version);
  j.field("scalesweep_version", schema::root::scalesweep_version);
  j.field("law_preset", schema::root::law_preset).field("objective", schema::root::objective);
  j.field("cost_units", schema::root::cost_units).field("shard", schema::root::shard);
  j.field("conventions", schema::root::conventions);
  j.key("law").begin_object();
  for (const law_constant& c : law_constants) {
    j.field(c.name, schema::law_attribute(c));
  }
  j.end_object().key("hardware").begin_object();
  for_each_hardware_side([&](auto side) {
    j.key(side.name).begin_object();
    for (const auto& f : side.resolved_fields()) {
      j.key(f.key).begin_object().field("attribute", schema::hardware_attribute(side.name, f.key));
      j.field("units", f.unit).end_object();
    }
    j.end_object();
  });
  j.end_object().end_object();
}

// Per problem (by problem_kind name): its dimensions and, per column, its variable's name.
void write_problems(json_writer& j) {
  j.key("problems").begin_object();
  for (const problem_description& p : problem_descriptions) {
    j.key(p.key).begin_object().field("name", p.name).key("dims").begin_array();
    for (axis_id id : p.axes) {
      j.value(axis_name(id));
    }
    j.end_array().key("variables").begin_object();
    for (const variable_name& v : p.variables) {
      j.field(v.column, v.name);
    }
    j.end_object().end_object();
  }
  j.end_object();
}

// The law-samples file of `scalesweep fit -o` (the fit plot reads it).
void write_law_samples(json_writer& j) {
  namespace ls = schema::law_samples;
  j.key("law_samples").begin_object();
  j.field("file_kind", ls::file_kind).field("file_kind_value", ls::file_kind_value);
  j.field("format_version", ls::format_version);
  j.field("estimate_prefix", ls::estimate_prefix).field("method", ls::method);
  j.field("data_file", ls::data_file).field("N_column", ls::N_column);
  j.field("D_column", ls::D_column).field("flops_column", ls::flops_column);
  j.field("loss_column", ls::loss_column).field("excluded_rows", ls::excluded_rows);
  j.field("sample", ls::sample).key("constants").begin_array();
  for (const law_constant& c : law_constants) {
    j.value(c.name);
  }
  j.end_array().end_object();
}

// The serving constraints' variables (written under [constraints] only) and their dims.
void write_serving(json_writer& j) {
  j.key("serving").begin_object();
  j.key("N_max").begin_object().field("name", schema::serving::N_max).key("dims").begin_array();
  j.value(axis_name(axis_id::hardware)).end_array().end_object();
  j.key("chinchilla_fits").begin_object().field("name", schema::serving::chinchilla_fits);
  j.key("dims").begin_array();
  for (axis_id id : loss_target_axes) {
    j.value(axis_name(id));
  }
  j.end_array().end_object().end_object();
}

void write_statuses(json_writer& j) {
  j.key("statuses").begin_object();
  for (const cell_status_info& s : cell_statuses) {
    j.key(s.name).begin_object().field("code", static_cast<int>(s.code));
    j.field("meaning", s.meaning).field("has_optimum", status_has_optimum(s.code)).end_object();
  }
  j.end_object().field("flag_meanings", cell_status_flag_meanings);
}

void write_progress(json_writer& j) {
  j.key("progress").begin_object().field("group", schema::progress::group);
  j.field("shard", schema::progress::shard);
  j.field("merge_in_progress", schema::progress::merge_in_progress);
  j.field("record_prefix", schema::progress::record_prefix).end_object();
  j.field("partial_suffix", schema::partial_suffix);
}

} // namespace

std::string result_schema_json() {
  json_writer j;
  j.begin_object().field("format_version", schema::format_version);
  write_attributes(j);
  j.key("dimensions").begin_array();
  for (axis_id id : all_axes) {
    j.value(axis_name(id));
  }
  for (axis_id id : uncertainty_axes) {
    j.value(axis_name(id));
  }
  for (axis_id id : derived_axes) {
    j.value(axis_name(id));
  }
  j.end_array();
  write_law_samples(j);
  write_problems(j);
  write_serving(j);
  write_statuses(j);
  write_progress(j);
  j.end_object();
  return j.str();
}

} // namespace scalesweep
