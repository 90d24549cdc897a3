// Small typed readers for attributes and 1-D datasets on top of h5_handle.
#pragma once

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/error.hpp"

#include "output/hdf5/h5_handle.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace scalesweep::h5 {

// An attribute as stored: text or numbers, a scalar (one element) or an array.
struct attribute_value {
  std::variant<std::vector<std::string>, std::vector<std::int64_t>, std::vector<double>> values;
  bool scalar = true;
};

bool has_attribute(hid_t object, const std::string& name);
// Any attribute scalesweep writes (strings of either kind, integers, floats), whole.
attribute_value read_attribute(hid_t object, const std::string& name);
// A scalar string attribute (variable- or fixed-length); nullopt when absent.
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name);
std::optional<std::int64_t> read_int64_attribute(hid_t object, const std::string& name);

bool has_link(hid_t file, const std::string& path);
// The chunk shape of a dataset; empty when it is not chunked.
std::vector<hsize_t> chunk_shape(hid_t dataset);
// The grid of chunks of a chunked dataset (edge chunks clipped to its extent); io_error when the
// dataset is not chunked or has more dimensions than a scalesweep grid.
box_grid chunk_grid(hid_t dataset);
// Grid offset of chunk `index` (row-major over the grid of chunks) of a chunked dataset.
std::vector<hsize_t> chunk_offset(hid_t dataset, std::int64_t index);
std::vector<std::uint8_t> read_bytes(hid_t file, const std::string& path);

// Runs `read` on a file the user handed in: a damaged or foreign file is bad input (exit 2),
// named, rather than a bare HDF5 failure.
template <class Read>
auto reading_input_file(const std::string& path, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const io_error& e) {
    throw input_error("'" + path + "' cannot be read as a scalesweep result: " + e.what(),
                      "the file is damaged, or was not written by scalesweep");
  }
}

} // namespace scalesweep::h5
