// The checks before a resume: same format, version, config, shard, problems and chunk layout.
#include "output/hdf5/resume_check.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include "common/isolated_call.hpp"
#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/schema.hpp"
#include "plan/work_assignment.hpp"

#include <algorithm>

namespace scalesweep {

namespace h5 {

namespace {

template <class Int>
std::string shape_text(const std::vector<Int>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + ")";
}

// The file's progress record holds the problems this run computes, in order, each with the
// chunk count this plan gives it. The config text alone does not fix the problems:
// --optima-only drops the dense grids.
void check_same_problems(const std::string& path, const sweep_plan& plan,
                         const progress_reader& progress, const std::string& hint) {
  const std::size_t records = progress.problems();
  for (std::size_t p = 0; p < std::max(records, plan.problems.size()); ++p) {
    const std::string written = p < records ? progress.problem_name(p).value_or("?") : "nothing";
    const std::string wanted = p < plan.problems.size() ? plan.problems[p].name : "nothing";
    if (written != wanted ||
        (p < records && progress.record(p).done.size() !=
                            static_cast<std::size_t>(plan.problems[p].chunk_count()))) {
      std::string message = "--resume: " + path;
      message += " holds the " + written;
      message += " where this run computes the " + wanted;
      throw input_error(message,
                        "resume with the flags of the interrupted run (--optima-only or not), or " +
                            hint);
    }
  }
}

// The progress records count chunks: they mean the same cells only in the same chunk layout,
// which a build of another revision may choose differently for the same config.
void check_same_chunks(hid_t file, const std::string& path, const sweep_plan& plan,
                       const std::string& hint) {
  for (const problem_grid& p : plan.problems) {
    const std::string& name = p.outputs.front().name;
    const handle ds = handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
    const std::vector<hsize_t> stored = chunk_shape(ds.get());
    if (stored != std::vector<hsize_t>(p.chunk_shape.begin(), p.chunk_shape.end())) {
      std::string message = "--resume: ";
      message += path;
      message += " stores '" + name + "' in chunks of " + shape_text(stored);
      message += " cells, this build plans " + shape_text(p.chunk_shape);
      std::string fix = "finish it with the build that started it (git revision in its ";
      fix += "'git_revision' attribute), or " + hint;
      throw input_error(message, fix);
    }
  }
}

void check_resumable_unguarded(hid_t file, const std::string& path, const sweep_plan& plan,
                               const shard_spec& shard) {
  const std::string hint = "delete " + path + " to start over";
  const auto format = read_int64_attribute(file, schema::root::format_version);
  if (format) {
    schema::require_format_version("--resume: ", path, *format, hint);
  }
  if (!format || !has_progress_record(file)) {
    throw input_error("--resume: " + path + " is not a resumable scalesweep result", hint);
  }
  const auto version = read_string_attribute(file, schema::root::scalesweep_version);
  if (version != std::string(scalesweep_version)) {
    throw input_error("--resume: " + path + " was written by scalesweep " + version.value_or("?") +
                          ", this is " + scalesweep_version,
                      "finish it with that version, or " + hint);
  }
  if (read_string_attribute(file, schema::root::config) != plan.config.text) {
    throw input_error("--resume: the config's text differs from the text the interrupted run "
                      "stored in " +
                          path + " (every change counts, comments and spacing too)",
                      "restore the config it ran with (stored in its 'config' attribute), or " +
                          hint);
  }
  const progress_reader progress(file);
  if (progress.merge_in_progress()) {
    throw input_error("--resume: " + path + " was left by a merge that was killed, not by a run",
                      "delete it and run the merge again");
  }
  if (progress.shard() != shard.text()) {
    throw input_error("--resume: " + path + " holds shard " + progress.shard().value_or("?") +
                          ", not " + shard.text(),
                      "pass the same --shard as the interrupted run");
  }
  check_same_problems(path, plan, progress, hint);
  check_same_chunks(file, path, plan, hint);
}

} // namespace

void check_resumable(hid_t file, const std::string& path, const sweep_plan& plan,
                     const shard_spec& shard) {
  reading_input_file(path, [&] { check_resumable_unguarded(file, path, plan, shard); });
}

bool resumable_in_place(hid_t file, const sweep_plan& plan) {
  for (const problem_grid& p : plan.problems) {
    for (const variable_info& v : p.outputs) {
      const handle ds =
          dataset(H5Dopen2(file, v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'");
      const handle dcpl = property_list(H5Dget_create_plist(ds.get()), "creation list");
      H5D_alloc_time_t when = H5D_ALLOC_TIME_ERROR;
      check(H5Pget_alloc_time(dcpl.get(), &when), "allocation time of '" + v.name + "'");
      if (H5Pget_nfilters(dcpl.get()) != 0 || when != H5D_ALLOC_TIME_EARLY) {
        return false;
      }
    }
  }
  return true;
}

} // namespace h5

bool check_resumable_partial(const output_paths& paths, const sweep_plan& plan,
                             const shard_spec& shard) {
  h5::silence_error_printing();
  const h5::handle file =
      h5::file(H5Fopen(paths.partial.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get()),
               "open '" + paths.partial + "'");
  h5::check_resumable(file.get(), paths.partial, plan, shard);
  return h5::resumable_in_place(file.get(), plan);
}

void check_resumable_partial_in_child(const output_paths& paths, const sweep_plan& plan,
                                      const shard_spec& shard) {
  h5::read_untrusted_file(paths.partial, [&] {
    check_resumable_partial(paths, plan, shard);
    const h5::handle file =
        h5::file(H5Fopen(paths.partial.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get()),
                 "open '" + paths.partial + "'");
    // The run keeps this file's objects and publishes them: all of them must read.
    h5::probe_structure(file.get());
    for (const problem_grid& p : plan.problems) {
      for (const variable_info& v : p.outputs) {
        const h5::handle ds =
            h5::dataset(H5Dopen2(file.get(), v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'");
        for (std::int64_t c = 0; c < p.chunk_count(); ++c) {
          isolation_progress();
          const tile_box box = p.chunk(c);
          h5::chunk_is_stored(ds.get(), std::vector<hsize_t>(box.offset, box.offset + box.rank));
        }
      }
    }
  });
}

} // namespace scalesweep
