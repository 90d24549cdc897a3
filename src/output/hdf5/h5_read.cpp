// Typed attribute and dataset readers.
#include "output/hdf5/h5_read.hpp"

#include <algorithm>
#include <exception>

namespace scalesweep::h5 {

namespace {
// scalesweep writes every string, "" included, as a value: one that reads as no string at all is
// a global-heap entry that could not be found (the heap has no checksum), not an empty text.
std::string null_string_message(const std::string& name) {
  return "HDF5: a string of attribute '" + name + "' cannot be found in the file";
}
} // namespace

bool has_attribute(hid_t object, const std::string& name) {
  const htri_t exists = H5Aexists(object, name.c_str());
  check(exists, "look up attribute '" + name + "'");
  return exists > 0;
}

attribute_value read_attribute(hid_t object, const std::string& name) {
  const handle a =
      attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute '" + name + "'");
  const handle type = datatype(H5Aget_type(a.get()), "attribute type");
  const handle space = dataspace(H5Aget_space(a.get()), "attribute space");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  attribute_value out;
  out.scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
  const std::size_t count = static_cast<std::size_t>(n < 0 ? 0 : n);
  switch (H5Tget_class(type.get())) {
  case H5T_STRING: {
    std::vector<std::string> strings;
    const handle memory = datatype(H5Tcopy(type.get()), "string type");
    if (H5Tis_variable_str(type.get()) > 0) {
      std::vector<char*> raw(count, nullptr);
      check(H5Aread(a.get(), memory.get(), raw.data()), "read attribute '" + name + "'");
      const bool whole = std::none_of(raw.begin(), raw.end(), [](char* s) { return s == nullptr; });
      for (char* s : raw) {
        strings.emplace_back(s != nullptr ? s : "");
      }
      H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, raw.data());
      if (!whole) {
        throw io_error(null_string_message(name));
      }
    } else {
      const std::size_t size = H5Tget_size(type.get());
      std::string buffer(size * count, '\0');
      check(H5Aread(a.get(), memory.get(), buffer.data()), "read attribute '" + name + "'");
      for (std::size_t i = 0; i < count; ++i) {
        std::string s = buffer.substr(i * size, size);
        s.resize(std::min(s.find('\0'), s.size()));
        strings.push_back(s);
      }
    }
    out.values = std::move(strings);
    break;
  }
  case H5T_INTEGER: {
    std::vector<std::int64_t> v(count);
    check(H5Aread(a.get(), H5T_NATIVE_INT64, v.data()), "read attribute '" + name + "'");
    out.values = std::move(v);
    break;
  }
  case H5T_FLOAT: {
    std::vector<double> v(count);
    check(H5Aread(a.get(), H5T_NATIVE_DOUBLE, v.data()), "read attribute '" + name + "'");
    out.values = std::move(v);
    break;
  }
  default: // enums, compounds, references: not written by scalesweep; named, not read
    out.values = std::vector<std::string>{"(an HDF5 attribute of a type not shown)"};
    break;
  }
  return out;
}

namespace {

// The typed readers below read one value: an attribute of another shape (a damaged or foreign
// file) must not be read into it.
void require_one_value(hid_t attribute_id, const std::string& name) {
  const handle space = dataspace(H5Aget_space(attribute_id), "attribute space");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1) {
    throw io_error("HDF5: attribute '" + name + "' holds " + std::to_string(n) +
                   " values where one is expected");
  }
}

} // namespace

namespace {

// Far above anything scalesweep writes: a file claiming more is refused, not listed.
constexpr std::size_t max_attributes = 100'000; // per object

// Dimension-scale bookkeeping (references) is shown as dims, not as attributes.
bool is_scale_bookkeeping(const std::string& name) {
  return name == "DIMENSION_LIST" || name == "REFERENCE_LIST" || name == "CLASS" || name == "NAME";
}

struct attribute_listing {
  std::vector<std::pair<std::string, attribute_value>> read;
  std::exception_ptr failure;
};

herr_t read_listed_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* listing = static_cast<attribute_listing*>(data);
  try {
    isolation_progress();
    if (listing->read.size() >= max_attributes) {
      throw io_error("HDF5: an object holds more than " + std::to_string(max_attributes) +
                     " attributes");
    }
    if (!is_scale_bookkeeping(name)) {
      listing->read.emplace_back(name, read_attribute(location, name));
    }
    return 0;
  } catch (...) {
    listing->failure = std::current_exception();
    return -1;
  }
}

// Every attribute of an object, in one pass (a lookup by index per attribute is quadratic in
// HDF5's dense attribute storage: 4,000 attributes took 42 s). In creation order, as scalesweep
// writes them, or by name for a file (a copy made by another tool) that does not track it.
} // namespace

std::vector<std::pair<std::string, attribute_value>> read_attributes(hid_t object) {
  for (const H5_index_t index : {H5_INDEX_CRT_ORDER, H5_INDEX_NAME}) {
    attribute_listing listing;
    hsize_t at = 0;
    const herr_t status =
        H5Aiterate2(object, index, H5_ITER_INC, &at, read_listed_attribute, &listing);
    if (listing.failure) {
      std::rethrow_exception(listing.failure);
    }
    if (status >= 0) {
      return std::move(listing.read);
    }
    if (index == H5_INDEX_NAME) {
      check(-1, "list attributes");
    }
    error_stack_message(); // clears the stack
  }
  return {};
}

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) {
    return std::nullopt;
  }
  const handle a =
      attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute '" + name + "'");
  const handle type = datatype(H5Aget_type(a.get()), "attribute type");
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw io_error("HDF5: attribute '" + name + "' is not a string");
  }
  require_one_value(a.get(), name);
  const handle memory = datatype(H5Tcopy(H5T_C_S1), "string type");
  check(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), "string character set");
  if (H5Tis_variable_str(type.get()) > 0) {
    check(H5Tset_size(memory.get(), H5T_VARIABLE), "string size");
    char* value = nullptr;
    check(H5Aread(a.get(), memory.get(), &value), "read attribute '" + name + "'");
    const bool whole = value != nullptr;
    std::string out = whole ? value : "";
    const handle space = dataspace(H5Aget_space(a.get()), "attribute space");
    H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, &value);
    if (!whole) {
      throw io_error(null_string_message(name));
    }
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  check(H5Tset_size(memory.get(), size + 1), "string size");
  std::string out(size + 1, '\0');
  check(H5Aread(a.get(), memory.get(), out.data()), "read attribute '" + name + "'");
  out.resize(out.find('\0') == std::string::npos ? size : out.find('\0'));
  return out;
}

std::optional<std::int64_t> read_int64_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) {
    return std::nullopt;
  }
  const handle a =
      attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute '" + name + "'");
  const handle type = datatype(H5Aget_type(a.get()), "attribute type");
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    throw io_error("HDF5: attribute '" + name + "' is not an integer");
  }
  require_one_value(a.get(), name);
  std::int64_t value = 0;
  check(H5Aread(a.get(), H5T_NATIVE_INT64, &value), "read attribute '" + name + "'");
  return value;
}

bool has_link(hid_t file, const std::string& path) {
  const htri_t exists = H5Lexists(file, path.c_str(), H5P_DEFAULT);
  return exists > 0;
}

std::vector<std::uint8_t> read_bytes(hid_t file, const std::string& path) {
  const handle ds = dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open '" + path + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space of '" + path + "'");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  check(n < 0 ? -1 : 0, "size of '" + path + "'");
  const handle type = datatype(H5Dget_type(ds.get()), "type of '" + path + "'");
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1 ||
      H5Dget_storage_size(ds.get()) < static_cast<hsize_t>(n)) {
    throw io_error("HDF5: '" + path + "' is not " + std::to_string(n) + " stored bytes");
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  if (n > 0) {
    check(H5Dread(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          "read '" + path + "'");
  }
  return out;
}

std::vector<double> read_doubles(hid_t file, const std::string& path) {
  const handle ds = dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open '" + path + "'");
  const handle space = dataspace(H5Dget_space(ds.get()), "space of '" + path + "'");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  check(n < 0 ? -1 : 0, "size of '" + path + "'");
  std::vector<double> out(static_cast<std::size_t>(n));
  if (n > 0) {
    check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          "read '" + path + "'");
  }
  return out;
}

std::vector<hsize_t> chunk_shape(hid_t dataset) {
  const handle dcpl = property_list(H5Dget_create_plist(dataset), "creation list");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) {
    return {};
  }
  std::vector<hsize_t> chunk(32);
  const int rank = H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  check(rank, "chunk shape");
  chunk.resize(static_cast<std::size_t>(rank));
  return chunk;
}

box_grid chunk_grid(hid_t dataset) {
  const handle space = dataspace(H5Dget_space(dataset), "dataset space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  const std::vector<hsize_t> chunk = chunk_shape(dataset);
  if (chunk.size() != dims.size()) {
    throw io_error("HDF5: a dataset of rank " + std::to_string(rank) +
                   " has no chunks of its rank");
  }
  if (rank > max_rank) {
    throw io_error("HDF5: a dataset of rank " + std::to_string(rank) + " has more than " +
                   std::to_string(max_rank) + " dimensions");
  }
  return box_grid(grid_box(dims), chunk);
}

std::vector<hsize_t> chunk_offset(hid_t dataset, std::int64_t index) {
  const tile_box chunk = chunk_grid(dataset).box(index);
  std::vector<hsize_t> offset(static_cast<std::size_t>(chunk.rank));
  for (int d = 0; d < chunk.rank; ++d) {
    offset[static_cast<std::size_t>(d)] = static_cast<hsize_t>(chunk.offset[d]);
  }
  return offset;
}

namespace {

constexpr std::size_t max_objects = 10'000; // a result file holds a few dozen

struct probe_state {
  std::size_t objects = 0;
  std::exception_ptr failure;
};

void probe_dataset(hid_t ds, const std::string& name) {
  const handle space = dataspace(H5Dget_space(ds), "space of '" + name + "'");
  const handle type = datatype(H5Dget_type(ds), "type of '" + name + "'");
  const handle dcpl = property_list(H5Dget_create_plist(ds), "creation list of '" + name + "'");
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0) {
    return;
  }
  // Variable-length strings live in the global heap, which carries no checksum: read them here.
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 1'000'000) {
    throw io_error("HDF5: '" + name + "' holds " + std::to_string(n) + " strings");
  }
  std::vector<char*> raw(static_cast<std::size_t>(n), nullptr);
  check(H5Dread(ds, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "read '" + name + "'");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
}

herr_t probe_object(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  auto* state = static_cast<probe_state*>(data);
  try {
    isolation_progress();
    if (++state->objects > max_objects) {
      throw io_error("HDF5: the file holds more than " + std::to_string(max_objects) + " objects");
    }
    const handle object(H5Oopen(root, name, H5P_DEFAULT), H5Oclose,
                        "open '" + std::string(name) + "'");
    read_attributes(object.get());
    if (info->type == H5O_TYPE_DATASET) {
      probe_dataset(object.get(), name);
    }
    return 0;
  } catch (...) {
    state->failure = std::current_exception();
    return -1;
  }
}

} // namespace

void probe_structure(hid_t file) {
  probe_state state;
  const herr_t status =
      H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, probe_object, &state, H5O_INFO_BASIC);
  if (state.failure) {
    std::rethrow_exception(state.failure);
  }
  check(status, "visit the file's objects");
}

isolated_output read_untrusted_file(const std::string& path, const std::function<void()>& read) {
  try {
    return run_isolated([&] {
      silence_error_printing();
      reading_input_file(path, read);
    });
  } catch (const isolation_failure& e) {
    throw input_error("'" + path + "' is damaged or not a scalesweep result: reading it " +
                          e.what(),
                      damaged_file_hint);
  }
}

} // namespace scalesweep::h5
