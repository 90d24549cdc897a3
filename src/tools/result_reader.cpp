// Generic reading of result files for `scalesweep inspect`.
#include "tools/result_reader.hpp"

#include "scalesweep/error.hpp"

#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/output_paths.hpp"
#include "output/schema.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <filesystem>

namespace scalesweep::h5 {

namespace {

// The index to list an object's links and attributes by: creation order, as scalesweep writes
// them, or names for a file (a copy made by another tool) that does not track creation order.
H5_index_t listing_index(hid_t object) {
  H5O_info_t info{};
  check(H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS), "object info");
  if (info.num_attrs > 0) {
    char probe[1];
    if (H5Aget_name_by_idx(object, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, 0, probe, sizeof probe,
                           H5P_DEFAULT) >= 0) {
      return H5_INDEX_CRT_ORDER;
    }
    error_stack_message(); // clears the stack
    return H5_INDEX_NAME;
  }
  return H5_INDEX_CRT_ORDER;
}

std::string attribute_name(hid_t object, H5_index_t index, hsize_t i) {
  const ssize_t length =
      H5Aget_name_by_idx(object, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
  check(length < 0 ? -1 : 0, "name of attribute " + std::to_string(i));
  std::string name(static_cast<std::size_t>(length), '\0');
  check(H5Aget_name_by_idx(object, ".", index, H5_ITER_INC, i, name.data(), name.size() + 1,
                           H5P_DEFAULT) < 0
            ? -1
            : 0,
        "name of attribute " + std::to_string(i));
  return name;
}

std::vector<std::pair<std::string, attribute_value>> read_attributes(hid_t object) {
  std::vector<std::pair<std::string, attribute_value>> out;
  H5O_info_t info{};
  check(H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS), "object info");
  const H5_index_t index = listing_index(object);
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    const std::string name = attribute_name(object, index, i);
    // Dimension-scale bookkeeping (references) is shown as dims, not as attributes.
    if (name == "DIMENSION_LIST" || name == "REFERENCE_LIST" || name == "CLASS" || name == "NAME") {
      continue;
    }
    out.emplace_back(name, read_attribute(object, name));
  }
  return out;
}

// Names of the links in the root group, in creation order where the file tracks it.
std::vector<std::string> root_link_names(hid_t file) {
  H5G_info_t info{};
  check(H5Gget_info(file, &info), "root group");
  std::vector<std::string> names;
  names.reserve(info.nlinks);
  for (H5_index_t index : {H5_INDEX_CRT_ORDER, H5_INDEX_NAME}) {
    names.clear();
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[512] = {};
      if (H5Lget_name_by_idx(file, ".", index, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) <
          0) {
        error_stack_message(); // clears the stack
        break;
      }
      names.emplace_back(name);
    }
    if (names.size() == info.nlinks) {
      return names;
    }
  }
  check(-1, "list the root group's links");
  return names;
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
    // A run still going (or interrupted) has its results only under the in-progress name.
    const std::string partial = output_paths(path).partial;
    throw input_error("'" + path + "' does not exist (or is not a file)",
                      std::filesystem::is_regular_file(partial)
                          ? "a run that has not finished writes '" + partial + "'; inspect that"
                          : std::string());
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    error_stack_message();
    throw input_error("'" + path + "' is not an HDF5 file");
  }
  m_file = file(id, "open '" + path + "'");
  reading_input_file(path, [&] { read_header(); });
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
  for (const std::string& name : root_link_names(m_file.get())) {
    H5O_info_t object{};
    if (H5Oget_info_by_name2(m_file.get(), name.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT) >=
            0 &&
        object.type == H5O_TYPE_DATASET) {
      m_datasets.push_back(summarise(m_file.get(), name));
    }
  }
  read_progress();
}

void result_reader::read_progress() {
  m_progress.partial_file = is_partial_path(m_path);
  if (!has_progress_record(m_file.get())) {
    return;
  }
  m_progress.present = true;
  const progress_reader progress(m_file.get());
  m_progress.shard = progress.shard().value_or("1/1");
  m_progress.merge_in_progress = progress.merge_in_progress();
  for (std::size_t p = 0; p < progress.problems(); ++p) {
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

std::vector<double> result_reader::read_numbers(const std::string& name) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
        "read '" + name + "'");
  return v;
}

std::pair<double, double> result_reader::read_ends(const std::string& name) const {
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  const hsize_t n = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get()));
  const hsize_t ends[2] = {0, n - 1};
  check(H5Sselect_elements(space.get(), H5S_SELECT_SET, 2, ends),
        "select the ends of '" + name + "'");
  const hsize_t two = 2;
  const handle memory = dataspace(H5Screate_simple(1, &two, nullptr), "ends space");
  double v[2] = {0, 0};
  check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, v),
        "read '" + name + "'");
  return {v[0], v[1]};
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

namespace {

// Adds the values of the box (offset, count) of a uint8 dataset to `counts`.
void count_box(hid_t ds, const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
               std::vector<std::uint8_t>& buffer, status_counts& counts, const std::string& name) {
  const handle file_space = dataspace(H5Dget_space(ds), "space of '" + name + "'");
  const int rank = static_cast<int>(count.size());
  if (rank > 0) {
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr,
                              count.data(), nullptr),
          "select a box of '" + name + "'");
  }
  const handle memory =
      dataspace(rank > 0 ? H5Screate_simple(rank, count.data(), nullptr) : H5Screate(H5S_SCALAR),
                "box space");
  buffer.resize(static_cast<std::size_t>(H5Sget_select_npoints(file_space.get())));
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
  const handle ds =
      dataset(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  status_counts counts;
  counts.per_flag.assign(flags, 0);
  std::vector<std::uint8_t> buffer;

  const std::vector<std::uint8_t>* done = nullptr;
  for (const auto& [variable, chunks] : m_done_chunks) {
    done = variable == name ? &chunks : done;
  }
  const bool complete = done == nullptr || std::all_of(done->begin(), done->end(),
                                                       [](std::uint8_t d) { return d != 0; });
  if (!complete) {
    // Chunk by chunk: only those recorded done hold computed cells.
    const box_grid chunks = chunk_grid(ds.get());
    for (std::size_t c = 0; c < done->size(); ++c) {
      const tile_box chunk = chunks.box(static_cast<std::int64_t>(c));
      if ((*done)[c] != 0) {
        count_box(ds.get(), std::vector<hsize_t>(chunk.offset, chunk.offset + chunk.rank),
                  std::vector<hsize_t>(chunk.count, chunk.count + chunk.rank), buffer, counts,
                  name);
      } else {
        counts.unwritten += cell_count(chunk);
      }
    }
    return counts;
  }
  // Slabs along the first dimension, at most ~64M cells each: memory stays bounded.
  hsize_t inner = 1;
  for (int d = 1; d < rank; ++d) {
    inner *= dims[static_cast<std::size_t>(d)];
  }
  const hsize_t step = std::max<hsize_t>(1, (hsize_t{1} << 26) / std::max<hsize_t>(inner, 1));
  for (hsize_t first = 0; first < (rank > 0 ? dims[0] : 1); first += step) {
    std::vector<hsize_t> offset(static_cast<std::size_t>(rank), 0), count = dims;
    if (rank > 0) {
      offset[0] = first;
      count[0] = std::min(step, dims[0] - first);
    }
    count_box(ds.get(), offset, count, buffer, counts, name);
  }
  return counts;
}

} // namespace scalesweep::h5
