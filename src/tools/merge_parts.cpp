// Chunk-level merge of shard files, from the files' own progress records and chunk layouts.
#include "tools/merge_parts.hpp"

#include "scalesweep/error.hpp"

#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/output_paths.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"
#include "run/interrupt.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <variant>

namespace scalesweep {

namespace {

struct part_file {
  std::string path;
  h5::handle file;
  std::string version;
  std::string config;
  std::string shard;
  std::size_t problems = 0; // progress records
};

part_file open_part(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw input_error("merge: part '" + path + "' does not exist");
  }
  part_file p{path, {}, {}, {}, {}};
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get());
  if (id < 0) {
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
    p.version =
        h5::read_string_attribute(p.file.get(), schema::root::scalesweep_version).value_or("");
    p.config = h5::read_string_attribute(p.file.get(), schema::root::config).value_or("");
    const h5::progress_reader progress(p.file.get());
    p.shard = progress.shard().value_or("");
    p.problems = progress.problems();
  });
  return p;
}

// A part's progress record, checked; a damaged one names the part (exit 2).
h5::done_record read_record(const part_file& part, std::size_t problem_index) {
  return h5::reading_input_file(
      part.path, [&] { return h5::progress_reader(part.file.get()).record(problem_index); });
}

// The chunk shapes of a record's variables: the records of two parts mean the same cells only
// where these agree too.
std::vector<std::vector<hsize_t>> chunk_shapes(const part_file& part,
                                               const h5::done_record& record) {
  std::vector<std::vector<hsize_t>> shapes;
  for (const std::string& variable : record.variables) {
    const h5::handle v = h5::dataset(H5Dopen2(part.file.get(), variable.c_str(), H5P_DEFAULT),
                                     "open '" + variable + "'");
    shapes.push_back(h5::chunk_shape(v.get()));
  }
  return shapes;
}

// The parts come from one sharded run: same version, config and problems, each shard once.
void check_parts_agree(const std::vector<part_file>& parts) {
  const part_file& first = parts.front();
  for (const part_file& p : parts) {
    if (p.version != first.version) {
      throw input_error("merge: '" + p.path + "' was written by scalesweep " + p.version + ", '" +
                        first.path + "' by " + first.version);
    }
    if (p.config != first.config) {
      throw input_error("merge: '" + p.path + "' comes from a different config than '" +
                            first.path + "'",
                        "merge only the parts of one sharded run (same config file, --shard i/n)");
    }
    if (p.problems != first.problems) {
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

// Per problem: part 1's record (its variables and chunk count) and, per chunk, the first part
// that holds it.
struct chunk_sources {
  std::vector<h5::done_record> first_records;
  std::vector<std::vector<int>> source;
};

// Which part holds each chunk; every chunk must be done somewhere, in one chunk layout.
chunk_sources locate_chunks(const std::vector<part_file>& parts) {
  const part_file& first = parts.front();
  chunk_sources s;
  s.first_records.resize(first.problems);
  s.source.resize(first.problems);
  for (std::size_t r = 0; r < first.problems; ++r) {
    std::vector<std::vector<hsize_t>> first_shapes;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const h5::done_record record = read_record(parts[k], r);
      const std::vector<std::uint8_t>& d = record.done;
      if (k == 0) {
        s.first_records[r] = record;
        first_shapes = chunk_shapes(parts[k], record);
        s.source[r].assign(d.size(), -1);
      } else if (d.size() != s.first_records[r].done.size() ||
                 record.variables != s.first_records[r].variables ||
                 chunk_shapes(parts[k], record) != first_shapes) {
        throw input_error("merge: '" + parts[k].path + "' has another chunk layout than '" +
                          first.path + "'");
      }
      for (std::size_t c = 0; c < d.size(); ++c) {
        if (d[c] != 0 && s.source[r][c] < 0) {
          s.source[r][c] = static_cast<int>(k);
        }
      }
    }
    const auto missing = std::count(s.source[r].begin(), s.source[r].end(), -1);
    if (missing > 0) {
      const std::string problem =
          h5::progress_reader(first.file.get()).problem_name(r).value_or("?");
      throw input_error(
          "merge: " + std::to_string(missing) + " of " + std::to_string(s.source[r].size()) +
              " chunks of the " + problem + " are in none of the parts",
          "pass every part (shards 1/n .. n/n); resume interrupted parts first (run --resume)");
    }
  }
  return s;
}

// Copies part 1 to the partial file, which the copy creates exclusively (O_EXCL): one that
// another merge or run has just created is theirs, and is neither used nor removed.
h5::file_identity copy_first_part(const part_file& first, const output_paths& out) {
  if (std::filesystem::exists(out.partial)) {
    throw input_error("merge: '" + out.partial +
                          "' exists: an interrupted run or merge left it, or "
                          "one is writing it",
                      "delete it once no process writes it, then merge again");
  }
  std::error_code ec;
  std::filesystem::copy_file(first.path, out.partial, std::filesystem::copy_options::none, ec);
  if (ec == std::errc::file_exists) {
    throw input_error("merge: '" + out.partial +
                          "' appeared while this merge started: another merge "
                          "or run is writing the same output",
                      "give each its own output (-o)");
  }
  // From here the partial file is this merge's: a failure removes it, but only while it is
  // still this merge's (another process may have put a file at that name since).
  const h5::file_identity copied = h5::identity_of(out.partial);
  if (ec) {
    h5::remove_if_ours(out.partial, copied);
    throw io_error("merge: cannot copy '" + first.path + "' to '" + out.partial +
                   "': " + ec.message());
  }
  return copied;
}

// Until the merge finishes, the copy of part 1 says what it is: one left by a merge that was
// killed reads as that, not as an unfinished run of part 1 (inspect).
void mark_merge_in_progress(hid_t target, const std::vector<std::string>& paths,
                            const std::string& partial) {
  const h5::handle group(H5Gopen2(target, schema::progress::group, H5P_DEFAULT), H5Gclose,
                         "open progress group");
  h5::write_attribute(group.get(), schema::progress::merge_in_progress, paths);
  h5::check(H5Fflush(target, H5F_SCOPE_GLOBAL), "flush '" + partial + "'");
}

// Copies the chunks of problem `r` that part 1 lacks from the parts that hold them, then records
// every chunk done.
void fill_in_problem(hid_t target, const std::vector<part_file>& parts, const chunk_sources& s,
                     std::size_t r, const output_paths& out, const h5::file_identity& copied,
                     merge_summary& summary) {
  const std::vector<int>& source = s.source[r];
  std::vector<unsigned char> buffer;
  for (const std::string& variable : s.first_records[r].variables) {
    h5::check_still_named(out.partial, copied); // stop early, not after the whole copy
    const h5::handle into =
        h5::dataset(H5Dopen2(target, variable.c_str(), H5P_DEFAULT), "open '" + variable + "'");
    // The variable in each part, opened once: not once per chunk.
    std::vector<h5::handle> from(parts.size());
    for (std::size_t c = 0; c < source.size(); ++c) {
      const auto k = static_cast<std::size_t>(source[c]);
      if (k == 0) {
        continue; // already in the copy of part 1
      }
      if (from[k].get() < 0) {
        from[k] = h5::dataset(H5Dopen2(parts[k].file.get(), variable.c_str(), H5P_DEFAULT),
                              "open '" + variable + "'");
      }
      debug_interrupt_delay();
      if (const int signal = interrupt_signal(); signal != 0) {
        throw run_interrupted(signal, "merge interrupted");
      }
      const std::vector<hsize_t> offset =
          h5::chunk_offset(from[k].get(), static_cast<std::int64_t>(c));
      summary.bytes_copied +=
          h5::copy_stored_chunk(from[k].get(), into.get(), offset, buffer, variable, parts[k].path);
    }
  }
  // Chunk positions, as `inspect` counts them (each holds one chunk of every variable).
  const auto in_first = std::count(source.begin(), source.end(), 0);
  summary.chunks_in_first += in_first;
  summary.chunks_copied += static_cast<std::int64_t>(source.size()) - in_first;
  const std::vector<std::uint8_t> all(source.size(), 1);
  h5::rewrite_bytes(target, schema::done_path(r), all);
}

// The merged file says it is whole: shard 1/1, merged from the parts, no merge in progress.
void mark_merged(hid_t target, const std::vector<std::string>& paths) {
  const h5::handle group(H5Gopen2(target, schema::progress::group, H5P_DEFAULT), H5Gclose,
                         "open progress group");
  h5::write_attribute(group.get(), schema::progress::shard, std::string("1/1"));
  if (H5Aexists(target, schema::root::shard) > 0) { // part 1's note that it is one part
    h5::check(H5Adelete(target, schema::root::shard), "remove the shard note");
  }
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
    parts.push_back(open_part(p));
  }
  check_parts_agree(parts);
  const chunk_sources sources = locate_chunks(parts);

  const output_paths target_paths(out);
  const h5::file_identity copied = copy_first_part(parts.front(), target_paths);
  merge_summary summary;
  try {
    h5::handle target =
        h5::file(H5Fopen(target_paths.partial.c_str(), H5F_ACC_RDWR, h5::file_access(false).get()),
                 "open '" + target_paths.partial + "'");
    mark_merge_in_progress(target.get(), paths, target_paths.partial);
    for (std::size_t r = 0; r < sources.source.size(); ++r) {
      fill_in_problem(target.get(), parts, sources, r, target_paths, copied, summary);
    }
    mark_merged(target.get(), paths);
    target.close("close '" + target_paths.partial + "'");
    h5::check_still_named(target_paths.partial, copied);
    h5::rename_into_place(target_paths.partial, target_paths.final_path);
  } catch (...) {
    h5::remove_if_ours(target_paths.partial, copied);
    throw;
  }
  return summary;
}

} // namespace scalesweep
