// Typed attribute, coordinate and string writers.
#include "output/hdf5/h5_write.hpp"

#include <hdf5_hl.h>

namespace scalesweep::h5 {

handle utf8_string_type() {
  handle t = datatype(H5Tcopy(H5T_C_S1), "copy string type");
  check(H5Tset_size(t.get(), H5T_VARIABLE), "set variable string size");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "set UTF-8");
  return t;
}

namespace {

handle simple_space(std::size_t n, const std::string& what) {
  const hsize_t dims[1] = {n};
  return dataspace(H5Screate_simple(1, dims, nullptr), what);
}

void write_raw_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t memory_type,
                         const handle& space, const void* data) {
  if (H5Aexists(object, name.c_str()) > 0) {
    check(H5Adelete(object, name.c_str()), "replace attribute '" + name + "'");
  }
  const handle a =
      attribute(H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                "create attribute '" + name + "'");
  check(H5Awrite(a.get(), memory_type, data), "write attribute '" + name + "'");
}

std::vector<const char*> c_strings(const std::vector<std::string>& values) {
  std::vector<const char*> out;
  out.reserve(values.size());
  for (const std::string& v : values) {
    out.push_back(v.c_str());
  }
  return out;
}

} // namespace

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  const handle t = utf8_string_type();
  const handle space = dataspace(H5Screate(H5S_SCALAR), "scalar space");
  const char* p = value.c_str();
  write_raw_attribute(object, name, t.get(), t.get(), space, &p);
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::string>& values) {
  const handle t = utf8_string_type();
  const handle space = simple_space(values.size(), "attribute space");
  const std::vector<const char*> p = c_strings(values);
  write_raw_attribute(object, name, t.get(), t.get(), space, p.data());
}

void write_attribute(hid_t object, const std::string& name, double value) {
  const handle space = dataspace(H5Screate(H5S_SCALAR), "scalar space");
  write_raw_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, &value);
}

void write_attribute(hid_t object, const std::string& name, float value) {
  const handle space = dataspace(H5Screate(H5S_SCALAR), "scalar space");
  write_raw_attribute(object, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, space, &value);
}

void write_attribute(hid_t object, const std::string& name, const std::vector<double>& values) {
  const handle space = simple_space(values.size(), "attribute space");
  write_raw_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, values.data());
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  const handle space = dataspace(H5Screate(H5S_SCALAR), "scalar space");
  write_raw_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space, &value);
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::uint8_t>& values) {
  const handle space = simple_space(values.size(), "attribute space");
  write_raw_attribute(object, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, space, values.data());
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::int64_t>& values) {
  const handle space = simple_space(values.size(), "attribute space");
  write_raw_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space, values.data());
}

namespace {
handle write_1d(hid_t file, const std::string& name, hid_t file_type, hid_t memory_type,
                std::size_t n, const void* data) {
  const handle space = simple_space(n, "space of '" + name + "'");
  handle ds = dataset(
      H5Dcreate2(file, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      "create '" + name + "'");
  if (n > 0) { // an empty dataset has nothing to write (and HDF5 takes no null buffer)
    check(H5Dwrite(ds.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "write '" + name + "'");
  }
  return ds;
}
} // namespace

handle write_coordinate(hid_t file, const std::string& name, const std::vector<double>& values) {
  handle ds = write_1d(file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(), values.data());
  check(H5DSset_scale(ds.get(), name.c_str()), "make '" + name + "' a dimension scale");
  return ds;
}

handle write_coordinate(hid_t file, const std::string& name,
                        const std::vector<std::string>& values) {
  const handle t = utf8_string_type();
  const std::vector<const char*> p = c_strings(values);
  handle ds = write_1d(file, name, t.get(), t.get(), values.size(), p.data());
  check(H5DSset_scale(ds.get(), name.c_str()), "make '" + name + "' a dimension scale");
  return ds;
}

handle write_coordinate(hid_t file, const std::string& name,
                        const std::vector<std::int32_t>& values) {
  handle ds = write_1d(file, name, H5T_STD_I32LE, H5T_NATIVE_INT32, values.size(), values.data());
  check(H5DSset_scale(ds.get(), name.c_str()), "make '" + name + "' a dimension scale");
  return ds;
}

handle write_doubles(hid_t file, const std::string& path, const std::vector<double>& values) {
  return write_1d(file, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.size(), values.data());
}

handle write_bytes(hid_t file, const std::string& path, const std::vector<std::uint8_t>& values) {
  return write_1d(file, path, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.size(), values.data());
}

void rewrite_bytes(hid_t file, const std::string& path, const std::vector<std::uint8_t>& values) {
  const handle ds = dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open '" + path + "'");
  check(H5Dwrite(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "write '" + path + "'");
}

} // namespace scalesweep::h5
