// Small typed writers for attributes, coordinates and dimension scales on top of h5_handle.
#pragma once

#include "output/hdf5/h5_handle.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep::h5 {

// Variable-length UTF-8 string type (what netCDF-C and h5py read back as str).
handle utf8_string_type();

void write_attribute(hid_t object, const std::string& name, const std::string& value);
void write_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values);
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, float value);
void write_attribute(hid_t object, const std::string& name, const std::vector<double>& values);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::uint8_t>& values);
void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::int64_t>& values);

// A 1-D dataset made a dimension scale named `name`.
handle write_coordinate(hid_t file, const std::string& name, const std::vector<double>& values);
handle write_coordinate(hid_t file, const std::string& name,
                        const std::vector<std::string>& values); // variable-length UTF-8
handle write_coordinate(hid_t file, const std::string& name,
                        const std::vector<std::int32_t>& values);
// A new 1-D float64 dataset holding `values` (contiguous).
handle write_doubles(hid_t file, const std::string& path, const std::vector<double>& values);
// A new 1-D uint8 dataset holding `values` (contiguous).
handle write_bytes(hid_t file, const std::string& path, const std::vector<std::uint8_t>& values);
// Writes `values` over the existing 1-D uint8 dataset at `path`, of that size.
void rewrite_bytes(hid_t file, const std::string& path, const std::vector<std::uint8_t>& values);

} // namespace scalesweep::h5
