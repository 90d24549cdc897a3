// Chunk-level merge of shard files, from the files' own progress records and chunk layouts.
#include "tools/merge_parts.hpp"

#include "scalesweep/error.hpp"

#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/rename_into_place.hpp"
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
    const auto format = h5::read_int64_attribute(p.file.get(), "scalesweep_format_version");
    if (!format || *format != result_format_version ||
        !h5::has_link(p.file.get(), h5::progress_group)) {
      throw input_error("merge: '" + path + "' is not a scalesweep result with a progress record");
    }
    p.version = h5::read_string_attribute(p.file.get(), "scalesweep_version").value_or("");
    p.config = h5::read_string_attribute(p.file.get(), "config").value_or("");
    const h5::handle group(H5Gopen2(p.file.get(), h5::progress_group, H5P_DEFAULT), H5Gclose,
                           "open progress group");
    p.shard = h5::read_string_attribute(group.get(), "shard").value_or("");
  });
  return p;
}

// A part's progress record, checked; a damaged one names the part (exit 2).
h5::done_record read_record(const part_file& part, const std::string& record) {
  return h5::reading_input_file(part.path,
                                [&] { return h5::read_done_record(part.file.get(), record); });
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

std::vector<std::string> record_paths(hid_t file) {
  std::vector<std::string> names;
  for (std::size_t i = 0;; ++i) {
    const std::string path = h5::done_path(i);
    if (!h5::has_link(file, path)) {
      return names;
    }
    names.push_back(path);
  }
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
  const part_file& first = parts.front();
  const std::vector<std::string> records = record_paths(first.file.get());
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
    if (record_paths(p.file.get()) != records) {
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
  // Which part holds each chunk; every chunk must be done somewhere.
  std::vector<h5::done_record> first_records(records.size());
  std::vector<std::vector<int>> source(records.size());
  for (std::size_t r = 0; r < records.size(); ++r) {
    std::vector<std::vector<hsize_t>> first_shapes;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const h5::done_record record = read_record(parts[k], records[r]);
      const std::vector<std::uint8_t>& d = record.done;
      if (k == 0) {
        first_records[r] = record;
        first_shapes = chunk_shapes(parts[k], record);
        source[r].assign(d.size(), -1);
      } else if (d.size() != first_records[r].done.size() ||
                 record.variables != first_records[r].variables ||
                 chunk_shapes(parts[k], record) != first_shapes) {
        throw input_error("merge: '" + parts[k].path + "' has another chunk layout than '" +
                          first.path + "'");
      }
      for (std::size_t c = 0; c < d.size(); ++c) {
        if (d[c] != 0 && source[r][c] < 0) {
          source[r][c] = static_cast<int>(k);
        }
      }
    }
    const auto missing = std::count(source[r].begin(), source[r].end(), -1);
    if (missing > 0) {
      const h5::handle ds =
          h5::dataset(H5Dopen2(first.file.get(), records[r].c_str(), H5P_DEFAULT), "open record");
      throw input_error(
          "merge: " + std::to_string(missing) + " of " + std::to_string(source[r].size()) +
              " chunks of the " + h5::read_string_attribute(ds.get(), "problem").value_or("?") +
              " are in none of the parts",
          "pass every part (shards 1/n .. n/n); resume interrupted parts first (run --resume)");
    }
  }

  const std::string partial = out + ".partial";
  if (std::filesystem::exists(partial)) {
    throw input_error("merge: '" + partial +
                          "' exists: an interrupted run or merge left it, or "
                          "one is writing it",
                      "delete it once no process writes it, then merge again");
  }
  // The copy creates the partial file exclusively (O_EXCL): one that another merge or run has
  // just created is theirs, and not removed below.
  std::error_code ec;
  std::filesystem::copy_file(first.path, partial, std::filesystem::copy_options::none, ec);
  if (ec == std::errc::file_exists) {
    throw input_error("merge: '" + partial +
                          "' appeared while this merge started: another merge "
                          "or run is writing the same output",
                      "give each its own output (-o)");
  }
  // From here the partial file is this merge's: a failure removes it, but only while it is
  // still this merge's (another process may have put a file at that name since).
  const h5::file_identity copied = h5::identity_of(partial);
  merge_summary summary;
  try {
    if (ec) {
      throw io_error("merge: cannot copy '" + first.path + "' to '" + partial +
                     "': " + ec.message());
    }
    h5::handle target =
        h5::file(H5Fopen(partial.c_str(), H5F_ACC_RDWR, h5::file_access(false).get()),
                 "open '" + partial + "'");
    {
      // Until the merge finishes, the copy of part 1 says what it is: one left by a merge that
      // was killed reads as that, not as an unfinished run of part 1 (inspect).
      const h5::handle group(H5Gopen2(target.get(), h5::progress_group, H5P_DEFAULT), H5Gclose,
                             "open progress group");
      h5::write_attribute(group.get(), "merge_in_progress", paths);
      h5::check(H5Fflush(target.get(), H5F_SCOPE_GLOBAL), "flush '" + partial + "'");
    }
    std::vector<unsigned char> buffer;
    for (std::size_t r = 0; r < records.size(); ++r) {
      const h5::handle record =
          h5::dataset(H5Dopen2(target.get(), records[r].c_str(), H5P_DEFAULT), "open record");
      for (const std::string& variable : first_records[r].variables) {
        h5::check_still_named(partial, copied); // stop early, not after the whole copy
        const h5::handle into = h5::dataset(H5Dopen2(target.get(), variable.c_str(), H5P_DEFAULT),
                                            "open '" + variable + "'");
        // The variable in each part, opened once: not once per chunk.
        std::vector<h5::handle> from(parts.size());
        for (std::size_t c = 0; c < source[r].size(); ++c) {
          const auto k = static_cast<std::size_t>(source[r][c]);
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
          summary.bytes_copied += h5::copy_stored_chunk(from[k].get(), into.get(), offset, buffer,
                                                        variable, parts[k].path);
        }
      }
      // Chunk positions, as `inspect` counts them (each holds one chunk of every variable).
      const auto in_first = std::count(source[r].begin(), source[r].end(), 0);
      summary.chunks_in_first += in_first;
      summary.chunks_copied += static_cast<std::int64_t>(source[r].size()) - in_first;
      const std::vector<std::uint8_t> all(source[r].size(), 1);
      h5::check(H5Dwrite(record.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data()),
                "record progress");
    }
    const h5::handle group(H5Gopen2(target.get(), h5::progress_group, H5P_DEFAULT), H5Gclose,
                           "open progress group");
    h5::write_attribute(group.get(), "shard", std::string("1/1"));
    if (H5Aexists(target.get(), "shard") > 0) { // part 1's note that it is one part
      h5::check(H5Adelete(target.get(), "shard"), "remove the shard note");
    }
    h5::write_attribute(group.get(), "merged_from", paths);
    h5::check(H5Adelete(group.get(), "merge_in_progress"), "remove the merge-in-progress note");
    target.close("close '" + partial + "'");
    h5::check_still_named(partial, copied);
    h5::rename_into_place(partial, out);
  } catch (...) {
    h5::remove_if_ours(partial, copied);
    throw;
  }
  return summary;
}

} // namespace scalesweep
