// Generic reading of result files for `scalesweep inspect`.
#include "result_reader.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/result_sink.hpp"

#include "h5_read.hpp"
#include "result_layout.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <filesystem>

namespace scalesweep::h5 {

namespace {

std::vector<std::pair<std::string, attribute_value>> read_attributes(hid_t object) {
  std::vector<std::pair<std::string, attribute_value>> out;
  H5O_info_t info{};
  check(H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS), "object info");
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    const ssize_t length = H5Aget_name_by_idx(object, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i,
                                              nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(length < 0 ? 0 : length), '\0');
    if (length < 0 || H5Aget_name_by_idx(object, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i,
                                         name.data(), name.size() + 1, H5P_DEFAULT) < 0) {
      error_stack_message();
      continue; // scalesweep files track creation order; a nameless index is skipped
    }
    // Dimension-scale bookkeeping (references) is shown as dims, not as attributes.
    if (name == "DIMENSION_LIST" || name == "REFERENCE_LIST" || name == "CLASS" || name == "NAME") {
      continue;
    }
    out.emplace_back(name, read_attribute(object, name));
  }
  return out;
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

dataset_summary summarise(hid_t file, const std::string& name) {
  const handle ds = dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space of '" + name + "'");
  const handle type = datatype(H5Dget_type(ds.get()), "type of '" + name + "'");
  dataset_summary s;
  s.name = name;
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  s.shape.assign(dims.begin(), dims.end());
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
    throw input_error("'" + path + "' does not exist (or is not a file)");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    error_stack_message();
    throw input_error("'" + path + "' is not an HDF5 file");
  }
  m_file = file(id, "open '" + path + "'");
  const auto format = read_int64_attribute(m_file.get(), "scalesweep_format_version");
  if (!format) {
    throw input_error("'" + path + "' is not a scalesweep result (no scalesweep_format_version)");
  }
  if (*format > result_format_version) {
    throw input_error("'" + path + "' has result format " + std::to_string(*format) +
                          ", newer than this scalesweep reads (" +
                          std::to_string(result_format_version) + ")",
                      "use a newer scalesweep");
  }
  m_format = *format;
  m_attributes = read_attributes(m_file.get());
  H5G_info_t info{};
  check(H5Gget_info(m_file.get(), &info), "root group");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[512] = {};
    H5Lget_name_by_idx(m_file.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name,
                       H5P_DEFAULT);
    H5O_info_t object{};
    if (H5Oget_info_by_name2(m_file.get(), name, &object, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
        object.type == H5O_TYPE_DATASET) {
      m_datasets.push_back(summarise(m_file.get(), name));
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

std::vector<double> result_reader::read_numbers(const std::string& name) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
        "read '" + name + "'");
  return v;
}

std::vector<std::string> result_reader::read_strings(const std::string& name) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  const handle type = datatype(H5Dget_type(ds.get()), "type");
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<char*> raw(n, nullptr);
  check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
        "read '" + name + "'");
  std::vector<std::string> out;
  out.reserve(n);
  for (char* s : raw) {
    out.emplace_back(s != nullptr ? s : "");
  }
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return out;
}

std::vector<std::int64_t> result_reader::count_values(const std::string& name,
                                                      std::size_t values) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<std::int64_t> counts(values + 1, 0); // the last counts values outside the flags
  // Slabs along the first dimension, at most ~64M cells each: memory stays bounded.
  hsize_t inner = 1;
  for (int d = 1; d < rank; ++d) {
    inner *= dims[static_cast<std::size_t>(d)];
  }
  const hsize_t step = std::max<hsize_t>(1, (hsize_t{1} << 26) / std::max<hsize_t>(inner, 1));
  std::vector<std::uint8_t> buffer;
  for (hsize_t first = 0; first < (rank > 0 ? dims[0] : 1); first += step) {
    std::vector<hsize_t> offset(static_cast<std::size_t>(rank), 0), count = dims;
    if (rank > 0) {
      offset[0] = first;
      count[0] = std::min(step, dims[0] - first);
    }
    const handle file_space = dataspace(H5Dget_space(ds.get()), "space");
    if (rank > 0) {
      check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr,
                                count.data(), nullptr),
            "select slab");
    }
    const handle memory = dataspace(H5Screate_simple(rank, count.data(), nullptr), "slab space");
    buffer.resize(static_cast<std::size_t>(H5Sget_select_npoints(file_space.get())));
    check(H5Dread(ds.get(), H5T_NATIVE_UINT8, memory.get(), file_space.get(), H5P_DEFAULT,
                  buffer.data()),
          "read '" + name + "'");
    for (std::uint8_t v : buffer) {
      ++counts[std::min<std::size_t>(v, values)];
    }
  }
  return counts;
}

std::pair<std::int64_t, std::int64_t> result_reader::progress() const {
  if (!has_link(m_file.get(), "/_scalesweep")) {
    return {-1, -1};
  }
  std::int64_t done = 0, total = 0;
  for (std::size_t p = 0; has_link(m_file.get(), done_path(p)); ++p) {
    for (std::uint8_t d : read_bytes(m_file.get(), done_path(p))) {
      done += d != 0 ? 1 : 0;
      ++total;
    }
  }
  return {done, total};
}

} // namespace scalesweep::h5
