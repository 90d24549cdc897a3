// Generic reading of result files for `scalesweep inspect`.
#include "tools/result_reader.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/status.hpp"

#include "common/isolated_call.hpp"
#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/output_paths.hpp"
#include "output/schema.hpp"
#include "plan/config.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <limits>
#include <numeric>

namespace scalesweep::h5 {

namespace {

// Far above anything scalesweep writes, so that a file claiming more is refused, not read: each
// bounds the time and memory one listing may take whatever the file says.
constexpr std::size_t max_links = 10'000;       // in the root group
constexpr std::int64_t max_strings = 1'000'000; // in a string variable (the hardware names)
constexpr std::int64_t max_chunks_without_record = 1'000'000; // counted without a record

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  auto* names = static_cast<std::vector<std::string>*>(data);
  isolation_progress();
  if (names->size() >= max_links) {
    return -1;
  }
  names->emplace_back(name);
  return 0;
}

// Names of the links in the root group, in one pass, in creation order where the file tracks it.
std::vector<std::string> root_link_names(hid_t file) {
  for (const H5_index_t index : {H5_INDEX_CRT_ORDER, H5_INDEX_NAME}) {
    std::vector<std::string> names;
    hsize_t at = 0;
    if (H5Literate(file, index, H5_ITER_INC, &at, collect_link_name, &names) >= 0) {
      return names;
    }
    if (names.size() >= max_links) {
      throw io_error("HDF5: the root group holds more than " + std::to_string(max_links) +
                     " objects");
    }
    if (index == H5_INDEX_NAME) {
      check(-1, "list the root group's links");
    }
    error_stack_message(); // clears the stack
  }
  return {};
}

std::string dtype_name(hid_t type) {
  switch (H5Tget_class(type)) {
  case H5T_STRING:
    return "string";
  case H5T_FLOAT:
    return H5Tget_size(type) == 4 ? "float32" : "float64";
  case H5T_INTEGER: {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    return std::string(is_signed ? "int" : "uint") + std::to_string(8 * H5Tget_size(type));
  }
  default:
    return "other";
  }
}

// The extent of a dataset, checked: a scalesweep grid has at most max_rank dimensions.
std::vector<hsize_t> extent(hid_t space, const std::string& name) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > max_rank) {
    throw io_error("HDF5: '" + name + "' has " + std::to_string(rank) + " dimensions");
  }
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "extent of '" + name + "'");
  return dims;
}

// What the file's unchecksummed global heap may have lost or changed, in what a reader shows: each
// named dimension of a variable is a different coordinate, as long as that axis (a reference
// turned into another coordinate's is damage), and `units`, `long_name`, `flag_meanings` and
// `spacing` are never empty (scalesweep writes each with a text; a lost heap entry reads as ""),
// and `flag_meanings` is the format's list of statuses.
void check_variables(const std::vector<dataset_summary>& datasets) {
  for (const dataset_summary& d : datasets) {
    for (const auto& [key, value] : d.attributes) {
      const auto* text = std::get_if<std::vector<std::string>>(&value.values);
      if ((key == schema::variable::units || key == schema::variable::long_name ||
           key == schema::variable::flag_meanings || key == schema::variable::spacing) &&
          (text == nullptr || text->size() != 1 || text->front().empty())) {
        throw io_error("HDF5: the " + key + " of '" + d.name + "' is not a text");
      }
      // The status names are the format's, not the run's: another text is a changed heap entry
      // (inspect and the CSV export name the counts by them).
      if (key == schema::variable::flag_meanings && text->front() != cell_status_flag_meanings) {
        throw io_error("HDF5: the flag_meanings of '" + d.name + "' are not scalesweep's statuses");
      }
    }
    if (d.is_coordinate) {
      continue;
    }
    for (std::size_t i = 0; i < d.dims.size(); ++i) {
      const std::string& dim = d.dims[i];
      if (dim == "dim_" + std::to_string(i)) {
        continue; // not attached (a copy by another tool): shown unnamed
      }
      const auto coordinate = std::find_if(datasets.begin(), datasets.end(), [&](const auto& c) {
        return c.is_coordinate && c.name == dim;
      });
      if (std::count(d.dims.begin(), d.dims.end(), dim) > 1 || coordinate == datasets.end() ||
          coordinate->shape.size() != 1 || coordinate->shape[0] != d.shape[i]) {
        throw io_error("HDF5: dimension " + std::to_string(i) + " of '" + d.name +
                       "' is attached to '" + dim + "', which is not its coordinate");
      }
    }
  }
}

dataset_summary summarise(hid_t file, const std::string& name) {
  const handle ds = dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space of '" + name + "'");
  const handle type = datatype(H5Dget_type(ds.get()), "type of '" + name + "'");
  isolation_progress();
  dataset_summary s;
  s.name = name;
  const std::vector<hsize_t> dims = extent(space.get(), "'" + name + "'");
  const int rank = static_cast<int>(dims.size());
  for (const hsize_t n : dims) {
    if (n > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) {
      throw io_error("HDF5: '" + name + "' has a dimension of " + std::to_string(n) + " points");
    }
    s.shape.push_back(static_cast<std::int64_t>(n));
  }
  s.dtype = dtype_name(type.get());
  s.is_coordinate = H5DSis_scale(ds.get()) > 0;
  for (int d = 0; d < rank; ++d) {
    std::string dim_name;
    if (s.is_coordinate) {
      dim_name = name;
    } else {
      H5DSiterate_scales(
          ds.get(), static_cast<unsigned>(d), nullptr,
          [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
            char buf[256] = {};
            H5DSget_scale_name(scale, buf, sizeof buf);
            *static_cast<std::string*>(out) = buf;
            return 1; // the first scale names the dimension
          },
          &dim_name);
    }
    s.dims.push_back(dim_name.empty() ? "dim_" + std::to_string(d) : dim_name);
  }
  s.attributes = read_attributes(ds.get());
  return s;
}

} // namespace

result_reader::result_reader(const std::string& path) : m_path(path) {
  silence_error_printing();
  if (!std::filesystem::is_regular_file(path)) {
    // A run still going (or interrupted) has its results only under the in-progress name.
    const std::string partial = output_paths(path).partial;
    throw input_error("'" + path + "' does not exist (or is not a file)",
                      std::filesystem::is_regular_file(partial)
                          ? "a run that has not finished writes '" + partial + "'; inspect that"
                          : std::string());
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string detail = error_stack_message();
    if (H5Fis_hdf5(path.c_str()) > 0) { // HDF5's signature, and then something it cannot read
      throw input_error("'" + path + "' is damaged or not a scalesweep result: " + detail,
                        damaged_file_hint);
    }
    error_stack_message();
    throw input_error("'" + path + "' is not an HDF5 file");
  }
  m_file = file(id, "open '" + path + "'");
  reading_input_file(path, [&] { read_header(); });
}

result_reader::result_reader(handle file, std::string name)
    : m_path(std::move(name)), m_file(std::move(file)) {
  reading_input_file(m_path, [&] { read_header(); });
}

result_reader result_reader::from_image(const std::string& image, const std::string& name) {
  silence_error_printing();
  // Flags 0: HDF5 copies the image and opens the copy read-only.
  const hid_t id =
      H5LTopen_file_image(const_cast<char*>(image.data()), image.size(), 0); // NOLINT: not written
  if (id < 0) {
    error_stack_message();
    throw input_error("'" + name + "' is not an HDF5 file");
  }
  return result_reader(h5::file(id, "open '" + name + "'"), name);
}

void result_reader::read_header() {
  const std::string& path = m_path;
  const auto format = read_int64_attribute(m_file.get(), schema::root::format_version);
  if (!format) {
    throw input_error("'" + path + "' is not a scalesweep result (no " +
                      schema::root::format_version + ")");
  }
  schema::require_format_version("", path, *format);
  m_format = *format;
  m_attributes = read_attributes(m_file.get());
  // What every result holds: without it, nothing below describes a sweep (a file holding only
  // the format attribute read as an empty result).
  for (const std::string& name : schema::required_root_attributes()) {
    if (std::none_of(m_attributes.begin(), m_attributes.end(),
                     [&](const auto& a) { return a.first == name; })) {
      std::string message = "'" + path + "' is not a scalesweep result (no '";
      message += name + "' attribute)";
      throw input_error(message, damaged_file_hint);
    }
  }
  for (const std::string& name : root_link_names(m_file.get())) {
    H5O_info_t object{};
    if (H5Oget_info_by_name2(m_file.get(), name.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT) <
        0) {
      check(-1, "look up '" + name + "'");
    }
    if (object.type == H5O_TYPE_DATASET) {
      m_datasets.push_back(summarise(m_file.get(), name));
    }
  }
  check_variables(m_datasets);
  read_progress();
}

void result_reader::read_progress() {
  m_progress.partial_file = is_partial_path(m_path);
  if (!has_progress_record(m_file.get())) {
    return; // a copy made by another tool, say
  }
  m_progress.present = true;
  const progress_reader progress(m_file.get());
  m_progress.shard = progress.shard().value_or("1/1");
  m_progress.merge_in_progress = progress.merge_in_progress();
  for (std::size_t p = 0; p < progress.problems(); ++p) {
    isolation_progress();
    const done_record record = progress.record(p);
    for (std::uint8_t d : record.done) {
      m_progress.chunks_done += d;
      ++m_progress.chunks;
    }
    for (const std::string& v : record.variables) {
      m_done_chunks.emplace_back(v, record.done);
    }
  }
}

const dataset_summary* result_reader::find(const std::string& name) const {
  for (const dataset_summary& d : m_datasets) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

namespace {

// A 1-D dataset of at most `limit` values, opened with its space, or io_error.
struct one_dimensional {
  handle ds, space;
  hsize_t points = 0;
};

one_dimensional open_1d(hid_t file, const std::string& name, std::int64_t limit) {
  one_dimensional d{
      dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open '" + name + "'"), {}, 0};
  d.space = dataspace(H5Dget_space(d.ds.get()), "space of '" + name + "'");
  const std::vector<hsize_t> dims = extent(d.space.get(), "'" + name + "'");
  if (dims.size() != 1 || dims[0] > static_cast<hsize_t>(limit)) {
    throw io_error("HDF5: '" + name + "' is not a list of at most " + std::to_string(limit) +
                   " values");
  }
  d.points = dims[0];
  return d;
}

} // namespace

const std::vector<std::uint8_t>* result_reader::done_chunks(const std::string& name) const {
  for (const auto& [variable, chunks] : m_done_chunks) {
    if (variable == name) {
      return &chunks;
    }
  }
  return nullptr;
}

std::vector<std::int64_t> result_reader::chunk_shape(const std::string& name) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const std::vector<hsize_t> chunk = h5::chunk_shape(ds.get());
  return {chunk.begin(), chunk.end()};
}

namespace {

template <class T>
void read_box_as(hid_t file, const std::string& name, const tile_box& box, hid_t memory_type,
                 std::vector<T>& out) {
  isolation_progress();
  const handle ds = dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle file_space = dataspace(H5Dget_space(ds.get()), "space of '" + name + "'");
  const std::vector<hsize_t> offset(box.offset, box.offset + box.rank);
  const std::vector<hsize_t> count(box.count, box.count + box.rank);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(),
                            nullptr),
        "select a box of '" + name + "'");
  const handle memory = dataspace(H5Screate_simple(box.rank, count.data(), nullptr), "box space");
  out.resize(static_cast<std::size_t>(cell_count(box)));
  check(H5Dread(ds.get(), memory_type, memory.get(), file_space.get(), H5P_DEFAULT, out.data()),
        "read '" + name + "'");
}

} // namespace

void result_reader::read_box(const std::string& name, const tile_box& box,
                             std::vector<double>& out) const {
  read_box_as(m_file.get(), name, box, H5T_NATIVE_DOUBLE, out);
}

void result_reader::read_box(const std::string& name, const tile_box& box,
                             std::vector<std::uint8_t>& out) const {
  read_box_as(m_file.get(), name, box, H5T_NATIVE_UINT8, out);
}

std::vector<double> result_reader::read_numbers(const std::string& name) const {
  isolation_progress();
  const one_dimensional d = open_1d(m_file.get(), name, max_axis_points);
  std::vector<double> v(static_cast<std::size_t>(d.points));
  check(H5Dread(d.ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
        "read '" + name + "'");
  return v;
}

std::pair<double, double> result_reader::read_ends(const std::string& name) const {
  isolation_progress();
  const one_dimensional d = open_1d(m_file.get(), name, max_axis_points);
  if (d.points == 0) {
    throw io_error("HDF5: '" + name + "' is empty");
  }
  const hsize_t ends[2] = {0, d.points - 1};
  check(H5Sselect_elements(d.space.get(), H5S_SELECT_SET, 2, ends),
        "select the ends of '" + name + "'");
  const hsize_t two = 2;
  const handle memory = dataspace(H5Screate_simple(1, &two, nullptr), "ends space");
  double v[2] = {0, 0};
  check(H5Dread(d.ds.get(), H5T_NATIVE_DOUBLE, memory.get(), d.space.get(), H5P_DEFAULT, v),
        "read '" + name + "'");
  return {v[0], v[1]};
}

std::vector<std::string> result_reader::read_strings(const std::string& name) const {
  isolation_progress();
  const one_dimensional d = open_1d(m_file.get(), name, max_strings);
  const handle type = datatype(H5Dget_type(d.ds.get()), "type of '" + name + "'");
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0) {
    throw io_error("HDF5: '" + name + "' does not hold variable-length strings");
  }
  std::vector<char*> raw(static_cast<std::size_t>(d.points), nullptr);
  check(H5Dread(d.ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
        "read '" + name + "'");
  std::vector<std::string> out;
  out.reserve(raw.size());
  const bool whole = std::none_of(raw.begin(), raw.end(), [](char* s) { return s == nullptr; });
  for (char* s : raw) {
    out.emplace_back(s != nullptr ? s : "");
  }
  H5Dvlen_reclaim(type.get(), d.space.get(), H5P_DEFAULT, raw.data());
  if (!whole) { // scalesweep writes every name: a missing one is a lost global-heap entry
    throw io_error("HDF5: a string of '" + name + "' cannot be found in the file");
  }
  return out;
}

namespace {

// Adds the values of one chunk (`box`) of a uint8 dataset to `counts`.
void count_chunk(hid_t ds, const tile_box& box, std::vector<std::uint8_t>& buffer,
                 status_counts& counts, const std::string& name) {
  const handle file_space = dataspace(H5Dget_space(ds), "space of '" + name + "'");
  std::vector<hsize_t> offset(static_cast<std::size_t>(box.rank)),
      count(static_cast<std::size_t>(box.rank));
  for (int d = 0; d < box.rank; ++d) {
    offset[static_cast<std::size_t>(d)] = static_cast<hsize_t>(box.offset[d]);
    count[static_cast<std::size_t>(d)] = static_cast<hsize_t>(box.count[d]);
  }
  const bool scalar = box.rank == 0;
  if (!scalar) {
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr,
                              count.data(), nullptr),
          "select a chunk of '" + name + "'");
  }
  const handle memory =
      dataspace(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(box.rank, count.data(), nullptr),
                "chunk space");
  buffer.resize(static_cast<std::size_t>(cell_count(box)));
  check(H5Dread(ds, H5T_NATIVE_UINT8, memory.get(), file_space.get(), H5P_DEFAULT, buffer.data()),
        "read '" + name + "'");
  for (std::uint8_t v : buffer) {
    if (v < counts.per_flag.size()) {
      ++counts.per_flag[v];
    } else {
      ++counts.other;
    }
  }
}

} // namespace

status_counts result_reader::count_status(const std::string& name, std::size_t flags) const {
  const std::vector<std::uint8_t>* done = done_chunks(name);
  if (done == nullptr && m_progress.present) {
    throw io_error("HDF5: '" + name + "' is in no progress record");
  }
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle type = datatype(H5Dget_type(ds.get()), "type of '" + name + "'");
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1) {
    throw io_error("HDF5: status variable '" + name + "' does not hold bytes");
  }
  // The record matches this grid of chunks (progress_reader::record checked): its length, which
  // the file pays for in bytes, bounds the work; without one (a copy made by another tool), a
  // bound of its own. Each chunk is at most output_spec::max_chunk_cells cells in memory.
  const box_grid chunks = chunk_grid(ds.get());
  if (done != nullptr && chunks.count() != static_cast<std::int64_t>(done->size())) {
    throw io_error("HDF5: the progress record of '" + name + "' does not match its chunks");
  }
  if (done == nullptr && chunks.count() > max_chunks_without_record) {
    throw io_error("HDF5: '" + name + "' has " + std::to_string(chunks.count()) +
                   " chunks and no progress record to count them by");
  }
  const std::vector<hsize_t> chunk = h5::chunk_shape(ds.get());
  const auto chunk_cells = std::accumulate(chunk.begin(), chunk.end(), hsize_t{1},
                                           [](hsize_t a, hsize_t b) { return a * b; });
  if (chunk_cells > static_cast<hsize_t>(output_spec::max_chunk_cells)) {
    throw io_error("HDF5: '" + name + "' is stored in chunks of " + std::to_string(chunk_cells) +
                   " cells, more than scalesweep writes");
  }
  status_counts counts;
  counts.per_flag.assign(flags, 0);
  std::vector<std::uint8_t> buffer;
  for (std::int64_t c = 0; c < chunks.count(); ++c) {
    isolation_progress();
    const tile_box box = chunks.box(c);
    if (done != nullptr && (*done)[static_cast<std::size_t>(c)] == 0) {
      counts.unwritten += cell_count(box); // not computed yet (or in another part): not read
      continue;
    }
    if (!chunk_is_stored(ds.get(), std::vector<hsize_t>(box.offset, box.offset + box.rank))) {
      if (done != nullptr) {
        throw io_error("HDF5: chunk " + std::to_string(c) + " of '" + name +
                       "' is recorded done but holds no data");
      }
      counts.unwritten += cell_count(box); // reads as the fill value: never written
      continue;
    }
    count_chunk(ds.get(), box, buffer, counts, name);
  }
  return counts;
}

} // namespace scalesweep::h5
