// Reads what a result file holds, generically (any scalesweep file, complete or partial): its
// attributes, datasets with their named dimensions, coordinates, status counts and progress.
#pragma once

#include "h5_read.hpp"

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

class result_reader {
public:
  // Throws input_error when `path` is missing, not HDF5, not a scalesweep result, or of a newer
  // format than this build reads.
  explicit result_reader(const std::string& path);

  std::int64_t format_version() const { return m_format; }
  const std::vector<std::pair<std::string, attribute_value>>& attributes() const {
    return m_attributes;
  }
  const std::vector<dataset_summary>& datasets() const { return m_datasets; }
  const dataset_summary* find(const std::string& name) const;

  std::vector<double> read_numbers(const std::string& name) const; // a 1-D coordinate
  std::vector<std::string> read_strings(const std::string& name) const;
  // Cells per flag value of a uint8 status variable (flag_values 0..n-1), read in slabs.
  std::vector<std::int64_t> count_values(const std::string& name, std::size_t values) const;
  // Chunks recorded done and all chunks, over every problem; {-1, -1} without a record.
  std::pair<std::int64_t, std::int64_t> progress() const;

private:
  std::string m_path;
  handle m_file;
  std::int64_t m_format = 0;
  std::vector<std::pair<std::string, attribute_value>> m_attributes;
  std::vector<dataset_summary> m_datasets;
};

} // namespace scalesweep::h5
