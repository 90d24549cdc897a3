// Reads what a result file holds, generically (any scalesweep file, complete or partial): its
// attributes, datasets with their named dimensions, coordinates, status counts and progress.
#pragma once

#include "scalesweep/cells/tile.hpp"

#include "output/hdf5/h5_read.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace scalesweep::h5 {

struct dataset_summary {
  std::string name;
  std::vector<std::string> dims; // dimension scale names, per axis
  std::vector<std::int64_t> shape;
  std::string dtype; // float64, float32, uint8, int32, string
  bool is_coordinate = false;
  std::vector<std::pair<std::string, attribute_value>> attributes;
};

// The progress record of a file (the group _scalesweep), over every problem.
struct progress_record {
  bool present = false;
  std::int64_t chunks_done = 0;
  std::int64_t chunks = 0;
  std::string shard;              // "1/1" unless the run computed one part (--shard i/n)
  bool partial_file = false;      // the path ends in ".partial": a run that has not finished
  bool merge_in_progress = false; // a merge's copy of part 1, left by a merge that was killed
};

// Cells of a uint8 status variable per flag value, and those that fall outside: values past the
// flags, and cells of chunks no run has written yet (they read back as 0, which means ok).
struct status_counts {
  std::vector<std::int64_t> per_flag;
  std::int64_t other = 0;
  std::int64_t unwritten = 0;
};

// Reads a file handed in by the user: every read is bounded (attributes, links, coordinates and
// status grids are read in one pass each, grids chunk by chunk), and anything that does not hold
// together (a missing attribute, a record that does not match its variables, a chunk recorded done
// without data) is an io_error that reading_input_file words as a damaged file. The reads report
// progress to an isolated call's watchdog (isolated_call.hpp): run it in one for untrusted files.
class result_reader {
public:
  // Throws input_error when `path` is missing, not HDF5, not a scalesweep result, or of a newer
  // format than this build reads.
  explicit result_reader(const std::string& path);
  // The same for a file held in memory (an HDF5 file image; `name` names it in messages).
  static result_reader from_image(const std::string& image, const std::string& name);

  std::int64_t format_version() const { return m_format; }
  const std::vector<std::pair<std::string, attribute_value>>& attributes() const {
    return m_attributes;
  }
  const std::vector<dataset_summary>& datasets() const { return m_datasets; }
  const dataset_summary* find(const std::string& name) const;

  std::vector<double> read_numbers(const std::string& name) const; // a 1-D coordinate
  // The first and last values of a non-empty 1-D coordinate, without reading the others.
  std::pair<double, double> read_ends(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  // Counts of a status variable with flag_values 0..flags-1, chunk by chunk: those recorded done
  // are read (one chunk in memory at a time), the others count as unwritten without a read.
  status_counts count_status(const std::string& name, std::size_t flags) const;
  const progress_record& progress() const { return m_progress; }
  // The done flag of each chunk of a variable (row-major chunk order, as chunk_grid numbers
  // them); nullptr where no progress record lists the variable.
  const std::vector<std::uint8_t>* done_chunks(const std::string& name) const;
  // The chunk shape of a chunked variable; empty for a contiguous one.
  std::vector<std::int64_t> chunk_shape(const std::string& name) const;
  // The cells of `box` of a variable, row-major, converted to double or uint8 (resized to fit).
  void read_box(const std::string& name, const tile_box& box, std::vector<double>& out) const;
  void read_box(const std::string& name, const tile_box& box, std::vector<std::uint8_t>& out) const;

private:
  result_reader(handle file, std::string name);
  void read_header(); // format, attributes, datasets, progress
  void read_progress();

  std::string m_path;
  handle m_file;
  std::int64_t m_format = 0;
  std::vector<std::pair<std::string, attribute_value>> m_attributes;
  std::vector<dataset_summary> m_datasets;
  progress_record m_progress;
  // Per variable, the done byte of each of its chunks, where the record lists it.
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> m_done_chunks;
};

} // namespace scalesweep::h5
