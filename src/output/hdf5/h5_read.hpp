// Small typed readers for attributes and 1-D datasets on top of h5_handle.
#pragma once

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/error.hpp"

#include "common/isolated_call.hpp"
#include "output/hdf5/h5_handle.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
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
// Every attribute of an object but the dimension-scale bookkeeping (DIMENSION_LIST ...), in one
// pass, in creation order where the file tracks it (else by name); io_error past 100,000.
std::vector<std::pair<std::string, attribute_value>> read_attributes(hid_t object);
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
// A 1-D uint8 dataset whole (a progress record): refused (io_error) unless its storage holds every
// value, so that its declared size, which the file may claim at will, costs no memory unread.
std::vector<std::uint8_t> read_bytes(hid_t file, const std::string& path);
// Every element of a dataset of numbers, converted to double.
std::vector<double> read_doubles(hid_t file, const std::string& path);

// The hint of every refusal of a damaged file.
inline constexpr const char* damaged_file_hint =
    "the file is damaged (a copy cut short, a flipped bit), or was not written by scalesweep";

// Reads every object of `file` the way a reader of it would, without its numbers: each object's
// header and attributes, each dataset's type, space and creation properties, and the strings of
// string datasets. A file that a run continues or publishes must hold together in all of it, not
// only in what the run reads itself. io_error past 10,000 objects.
void probe_structure(hid_t file);

// Runs `read` on a file the user handed in: a damaged or foreign file is bad input (exit 2),
// named, rather than a bare HDF5 failure.
template <class Read>
auto reading_input_file(const std::string& path, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const io_error& e) {
    throw input_error("'" + path + "' is damaged or not a scalesweep result: " + e.what(),
                      damaged_file_hint);
  }
}

// Runs `read`, which reads the user's file `path` (and may print what it found), in a child
// process (common/isolated_call.hpp), and returns what it printed. A child that crashes, spins or
// runs out of memory in libhdf5, or an io_error from it, is input_error "'<path>' is damaged or
// not a scalesweep result" (exit 2); its other errors come back as they were thrown.
isolated_output read_untrusted_file(const std::string& path, const std::function<void()>& read);

} // namespace scalesweep::h5
