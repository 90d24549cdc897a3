// Chunk-level merge of shard files: every part checked (in a child process first), the result
// created anew from the parts' config, and the chunks copied from the parts that hold them.
#include "tools/merge_parts.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include "common/isolated_call.hpp"
#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/output_paths.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"
#include "run/interrupt.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <variant>

namespace scalesweep {

namespace {

using attribute_list = std::vector<std::pair<std::string, h5::attribute_value>>;

// Root attributes that say how and when one part was made, not what it holds: parts differ in
// them, and the merged file keeps part 1's.
bool describes_the_making(const std::string& name) {
  return name == schema::root::created || name == schema::root::command_line ||
         name == schema::root::backend || name == schema::root::config_path ||
         name == schema::root::git_revision || name == schema::root::shard;
}

const h5::attribute_value* find_attribute(const attribute_list& list, const std::string& name) {
  for (const auto& [key, value] : list) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

std::string text_attribute(const attribute_list& list, const std::string& name) {
  const h5::attribute_value* a = find_attribute(list, name);
  const auto* text = a != nullptr ? std::get_if<std::vector<std::string>>(&a->values) : nullptr;
  return text != nullptr && text->size() == 1 ? text->front() : std::string();
}

// Equal values; numbers bit for bit (a NaN equals itself).
bool same_value(const h5::attribute_value& a, const h5::attribute_value& b) {
  if (a.scalar != b.scalar || a.values.index() != b.values.index()) {
    return false;
  }
  if (const auto* x = std::get_if<std::vector<double>>(&a.values)) {
    const auto& y = std::get<std::vector<double>>(b.values);
    return x->size() == y.size() &&
           (x->empty() || std::memcmp(x->data(), y.data(), x->size() * sizeof(double)) == 0);
  }
  return a.values == b.values;
}

// How a variable's chunks are stored: two files must agree on it for a stored chunk of one to
// mean the same cells in the other.
struct chunk_layout {
  std::vector<hsize_t> chunk;
  std::vector<H5Z_filter_t> filters;
  std::size_t element_size = 0;
  bool operator==(const chunk_layout& o) const {
    return chunk == o.chunk && filters == o.filters && element_size == o.element_size;
  }
  bool operator!=(const chunk_layout& o) const { return !(*this == o); }
};

chunk_layout layout_of(hid_t dataset) {
  chunk_layout l;
  l.chunk = h5::chunk_shape(dataset);
  const h5::handle dcpl = h5::property_list(H5Dget_create_plist(dataset), "creation list");
  const int filters = H5Pget_nfilters(dcpl.get());
  h5::check(filters, "filters");
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t values = 0;
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &values,
                                           nullptr, 0, nullptr, nullptr);
    h5::check(id < 0 ? -1 : 0, "filter " + std::to_string(i));
    l.filters.push_back(id);
  }
  const h5::handle type = h5::datatype(H5Dget_type(dataset), "type");
  l.element_size = H5Tget_size(type.get());
  return l;
}

struct part_record {
  h5::done_record record;
  std::string problem;               // the record's problem name
  std::vector<chunk_layout> layouts; // per variable of the record
};

struct part_file {
  std::string path;
  h5::handle file;
  attribute_list attributes; // the root's
  std::string shard;
  std::vector<part_record> records;
};

// One part, read and checked: its attributes, its progress record, and that every chunk the
// record claims is stored in every variable of the record.
part_file survey_part(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw input_error("merge: part '" + path + "' does not exist");
  }
  if (is_partial_path(path)) {
    throw input_error("merge: '" + path + "' is an unfinished run (its name ends in .partial)",
                      "finish it first (run --resume), then merge the file it publishes");
  }
  isolation_note("'" + path + "'");
  h5::silence_error_printing();
  part_file p{path, {}, {}, {}, {}};
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get());
  if (id < 0) {
    const std::string detail = h5::error_stack_message();
    if (H5Fis_hdf5(path.c_str()) > 0) {
      throw input_error("merge: '" + path + "' is damaged or not a scalesweep result: " + detail,
                        h5::damaged_file_hint);
    }
    h5::error_stack_message();
    throw input_error("merge: '" + path + "' is not an HDF5 file");
  }
  p.file = h5::file(id, "open '" + path + "'");
  h5::reading_input_file(path, [&] {
    const auto format = h5::read_int64_attribute(p.file.get(), schema::root::format_version);
    if (format) {
      schema::require_format_version("merge: ", path, *format);
    }
    if (!format || !h5::has_progress_record(p.file.get())) {
      throw input_error("merge: '" + path + "' is not a scalesweep result with a progress record");
    }
    p.attributes = h5::read_attributes(p.file.get());
    h5::read_string_attribute(p.file.get(), schema::root::config); // one text, or io_error
    for (const std::string& name : schema::required_root_attributes()) {
      if (find_attribute(p.attributes, name) == nullptr) {
        throw input_error("merge: '" + path + "' is not a scalesweep result (no '" + name +
                              "' attribute)",
                          h5::damaged_file_hint);
      }
    }
    const h5::progress_reader progress(p.file.get());
    if (progress.merge_in_progress()) {
      throw input_error("merge: '" + path + "' was left by a merge that was killed, not by a run",
                        "pass the files the runs wrote (run --shard i/n)");
    }
    p.shard = progress.shard().value_or("");
    for (std::size_t r = 0; r < progress.problems(); ++r) {
      isolation_progress();
      part_record pr{progress.record(r), progress.problem_name(r).value_or("?"), {}};
      for (const std::string& variable : pr.record.variables) {
        const h5::handle v = h5::dataset(H5Dopen2(p.file.get(), variable.c_str(), H5P_DEFAULT),
                                         "open '" + variable + "'");
        pr.layouts.push_back(layout_of(v.get()));
        // A record that claims a chunk its part never wrote (a part cut short, a damaged file)
        // would make the merged file hold fill values where it claims results.
        const box_grid chunks = h5::chunk_grid(v.get());
        for (std::size_t c = 0; c < pr.record.done.size(); ++c) {
          if (pr.record.done[c] == 0) {
            continue;
          }
          isolation_progress();
          const tile_box box = chunks.box(static_cast<std::int64_t>(c));
          const std::vector<hsize_t> offset(box.offset, box.offset + box.rank);
          if (!h5::chunk_is_stored(v.get(), offset)) {
            throw input_error("merge: '" + path + "' records chunk " + std::to_string(c) + " of '" +
                                  variable + "' as written, but holds no data for it",
                              "the part is damaged or was cut short: run its shard again");
          }
        }
      }
      p.records.push_back(std::move(pr));
    }
  });
  return p;
}

// The parts come from one sharded run of this version: the same config, law, hardware and every
// other attribute that says what a file holds, the same problems, each shard once.
void check_parts_agree(const std::vector<part_file>& parts) {
  const part_file& first = parts.front();
  for (const part_file& p : parts) {
    const std::string version = text_attribute(p.attributes, schema::root::scalesweep_version);
    if (version != scalesweep_version) {
      throw input_error("merge: '" + p.path + "' was written by scalesweep " + version +
                            ", this is " + scalesweep_version,
                        "merge with the scalesweep that wrote the parts");
    }
    if (text_attribute(p.attributes, schema::root::config) !=
        text_attribute(first.attributes, schema::root::config)) {
      throw input_error("merge: '" + p.path + "' comes from a different config than '" +
                            first.path + "' (its 'config' attribute differs)",
                        "merge only the parts of one sharded run (same config file, --shard i/n)");
    }
    for (const attribute_list* list : {&first.attributes, &p.attributes}) {
      for (const auto& [name, value] : *list) {
        const h5::attribute_value* a = find_attribute(first.attributes, name);
        const h5::attribute_value* b = find_attribute(p.attributes, name);
        if (!describes_the_making(name) && (a == nullptr || b == nullptr || !same_value(*a, *b))) {
          throw input_error("merge: '" + p.path + "' differs from '" + first.path +
                                "' in its attribute '" + name + "'",
                            "merge only the parts of one sharded run (same config file, --shard "
                            "i/n); a part that differs in what it claims is damaged");
        }
      }
    }
    if (p.records.size() != first.records.size()) {
      throw input_error("merge: '" + p.path + "' holds other variables than '" + first.path +
                        "' (was one run with --optima-only?)");
    }
  }
  for (std::size_t k = 0; k < parts.size(); ++k) {
    for (std::size_t j = 0; j < k; ++j) {
      if (parts[j].shard == parts[k].shard) {
        throw input_error("merge: '" + parts[j].path + "' and '" + parts[k].path +
                              "' are both shard " + parts[k].shard,
                          "pass each part once");
      }
    }
  }
}

// Per problem and chunk, the first part that holds it; every chunk must be done somewhere, in one
// chunk layout.
std::vector<std::vector<int>> locate_chunks(const std::vector<part_file>& parts) {
  const part_file& first = parts.front();
  std::vector<std::vector<int>> source(first.records.size());
  for (std::size_t r = 0; r < first.records.size(); ++r) {
    const part_record& reference = first.records[r];
    source[r].assign(reference.record.done.size(), -1);
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const part_record& pr = parts[k].records[r];
      if (pr.record.done.size() != reference.record.done.size() ||
          pr.record.variables != reference.record.variables || pr.layouts != reference.layouts) {
        throw input_error("merge: '" + parts[k].path + "' has another chunk layout than '" +
                          first.path + "'");
      }
      for (std::size_t c = 0; c < pr.record.done.size(); ++c) {
        if (pr.record.done[c] != 0 && source[r][c] < 0) {
          source[r][c] = static_cast<int>(k);
        }
      }
    }
    const auto missing = std::count(source[r].begin(), source[r].end(), -1);
    if (missing > 0) {
      throw input_error(
          "merge: " + std::to_string(missing) + " of " + std::to_string(source[r].size()) +
              " chunks of the " + reference.problem + " are in none of the parts",
          "pass every part (shards 1/n .. n/n); resume interrupted parts first (run --resume)");
    }
  }
  return source;
}

std::vector<std::string> problem_names(const sweep_plan& plan) {
  std::vector<std::string> names;
  for (const problem_grid& p : plan.problems) {
    names.push_back(p.name);
  }
  return names;
}

// The plan of the run the parts belong to, from the config they store: with or without the dense
// grids (--optima-only), as their records say, and in their chunk layout.
sweep_plan plan_of(const part_file& first) {
  sweep_config config;
  try {
    config = parse_config(text_attribute(first.attributes, schema::root::config),
                          text_attribute(first.attributes, schema::root::config_path));
  } catch (const input_error& e) {
    throw input_error("merge: '" + first.path +
                          "' is damaged or not a scalesweep result: the config it stores does "
                          "not read: " +
                          e.what(),
                      h5::damaged_file_hint);
  }
  std::vector<std::string> recorded;
  for (const part_record& pr : first.records) {
    recorded.push_back(pr.problem);
  }
  sweep_plan plan = make_plan(config);
  if (problem_names(plan) != recorded) {
    drop_dense_grids(config);
    plan = make_plan(config);
  }
  bool same = problem_names(plan) == recorded;
  for (std::size_t r = 0; same && r < plan.problems.size(); ++r) {
    const problem_grid& p = plan.problems[r];
    const part_record& pr = first.records[r];
    same = p.chunk_count() == static_cast<std::int64_t>(pr.record.done.size()) &&
           p.outputs.size() == pr.record.variables.size();
    for (std::size_t v = 0; same && v < p.outputs.size(); ++v) {
      same =
          p.outputs[v].name == pr.record.variables[v] &&
          std::vector<hsize_t>(p.chunk_shape.begin(), p.chunk_shape.end()) == pr.layouts[v].chunk;
    }
  }
  if (!same) {
    throw input_error("merge: the problems and chunks of '" + first.path +
                          "' are not those its config plans",
                      h5::damaged_file_hint);
  }
  return plan;
}

// Creates the merged file's skeleton under the creating name, then gives it the partial file's
// name only if no file has it: one that another merge or run has made is theirs, left alone.
// Until the merge finishes, the file says what it is: one left by a merge that was killed reads
// as that (inspect), not as an unfinished run.
h5::file_identity create_target(const sweep_plan& plan, const part_file& first,
                                const std::vector<std::string>& paths, const output_paths& out) {
  if (std::filesystem::exists(out.partial)) {
    throw input_error("merge: '" + out.partial +
                          "' exists: an interrupted run or merge left it, or one is writing it",
                      "delete it once no process writes it, then merge again");
  }
  const auto original = [&](const char* name) { return text_attribute(first.attributes, name); };
  const run_metadata meta{original(schema::root::backend), original(schema::root::command_line),
                          original(schema::root::created), original(schema::root::git_revision),
                          original(schema::root::config_path)};
  try {
    h5::handle file = h5::create_file(out.creating);
    h5::create_result_skeleton(file.get(), plan, shard_spec{}, meta);
    const h5::handle group(H5Gopen2(file.get(), schema::progress::group, H5P_DEFAULT), H5Gclose,
                           "open progress group");
    h5::write_attribute(group.get(), schema::progress::merge_in_progress, paths);
    file.close("close '" + out.creating + "'");
    h5::publish_exclusively(out.creating, out.partial);
    isolation_own_file(out.partial); // removed by the parent if this (child) process dies
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(out.creating, ec);
    throw;
  }
  return h5::identity_of(out.partial);
}

// Copies every chunk of problem `r` from the part that holds it, then records them all done.
void fill_in_problem(hid_t target, const std::vector<part_file>& parts,
                     const std::vector<int>& source, std::size_t r, const output_paths& out,
                     const h5::file_identity& created, merge_summary& summary) {
  const part_record& reference = parts.front().records[r];
  std::vector<unsigned char> buffer, scratch;
  for (std::size_t v = 0; v < reference.record.variables.size(); ++v) {
    const std::string& variable = reference.record.variables[v];
    h5::check_still_named(out.partial, created); // stop early, not after the whole copy
    const h5::handle into =
        h5::dataset(H5Dopen2(target, variable.c_str(), H5P_DEFAULT), "open '" + variable + "'");
    const box_grid chunks = h5::chunk_grid(into.get());
    const h5::stored_chunk_rules rules = h5::stored_chunk_rules_of(into.get()); // made anew
    // The variable in each part, opened once: not once per chunk.
    std::vector<h5::handle> from(parts.size());
    for (std::size_t c = 0; c < source.size(); ++c) {
      const auto k = static_cast<std::size_t>(source[c]);
      if (from[k].get() < 0) {
        from[k] = h5::dataset(H5Dopen2(parts[k].file.get(), variable.c_str(), H5P_DEFAULT),
                              "open '" + variable + "'");
      }
      debug_interrupt_delay();
      if (const int signal = interrupt_signal(); signal != 0) {
        throw run_interrupted(signal, "merge interrupted");
      }
      isolation_progress();
      const tile_box box = chunks.box(static_cast<std::int64_t>(c));
      const std::vector<hsize_t> offset(box.offset, box.offset + box.rank);
      isolation_note("'" + parts[k].path + "'");
      summary.bytes_copied += h5::copy_stored_chunk(from[k].get(), into.get(), offset, buffer,
                                                    scratch, variable, parts[k].path, rules);
    }
  }
  summary.chunks += static_cast<std::int64_t>(source.size());
  h5::rewrite_bytes(target, schema::done_path(r), std::vector<std::uint8_t>(source.size(), 1));
}

// The merged file says it is whole: merged from the parts, no merge in progress.
void mark_merged(hid_t target, const std::vector<std::string>& paths) {
  const h5::handle group(H5Gopen2(target, schema::progress::group, H5P_DEFAULT), H5Gclose,
                         "open progress group");
  h5::write_attribute(group.get(), schema::progress::merged_from, paths);
  h5::check(H5Adelete(group.get(), schema::progress::merge_in_progress),
            "remove the merge-in-progress note");
}

} // namespace

merge_summary merge_parts(const std::vector<std::string>& paths, const std::string& out) {
  h5::silence_error_printing();
  if (paths.empty()) {
    throw input_error("merge: give the part files to join");
  }
  std::vector<part_file> parts;
  parts.reserve(paths.size());
  for (const std::string& p : paths) {
    parts.push_back(survey_part(p));
  }
  check_parts_agree(parts);
  const std::vector<std::vector<int>> sources = locate_chunks(parts);
  const sweep_plan plan = plan_of(parts.front());

  const output_paths target_paths(out);
  const h5::file_identity created = create_target(plan, parts.front(), paths, target_paths);
  merge_summary summary;
  try {
    h5::handle target =
        h5::file(H5Fopen(target_paths.partial.c_str(), H5F_ACC_RDWR, h5::file_access(false).get()),
                 "open '" + target_paths.partial + "'");
    for (std::size_t r = 0; r < sources.size(); ++r) {
      fill_in_problem(target.get(), parts, sources[r], r, target_paths, created, summary);
    }
    mark_merged(target.get(), paths);
    target.close("close '" + target_paths.partial + "'");
    h5::check_still_named(target_paths.partial, created);
    h5::rename_into_place(target_paths.partial, target_paths.final_path);
    isolation_disown_file();
  } catch (...) {
    h5::remove_if_ours(target_paths.partial, created);
    throw;
  }
  return summary;
}

} // namespace scalesweep
