// Reads the 50-digit reference tables of tests/reference/ (CSV written by
// make_economics_reference.py with mpmath): inputs as repr() doubles, references as 30-digit
// decimals parsed into long double.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalesweep::reference {

struct table_row {
  std::map<std::string, std::string> cells;

  const std::string& text(const std::string& column) const {
    const auto it = cells.find(column);
    if (it == cells.end()) {
      throw std::runtime_error("reference table has no column " + column);
    }
    return it->second;
  }
  double number(const std::string& column) const {
    return std::strtod(text(column).c_str(), nullptr);
  }
  long double precise(const std::string& column) const {
    return std::strtold(text(column).c_str(), nullptr);
  }
};

// The rows of tests/reference/NAME (no quoting: the tables hold names and numbers only).
inline std::vector<table_row> read_reference_table(const std::string& name) {
  const std::string path = std::string(SCALESWEEP_REFERENCE_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  const auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string field;
    while (std::getline(s, field, ',')) {
      out.push_back(field);
    }
    return out;
  };
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  std::vector<table_row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    const std::vector<std::string> fields = split(line);
    if (fields.size() != header.size()) {
      throw std::runtime_error(path + ": a row with " + std::to_string(fields.size()) +
                               " fields, header has " + std::to_string(header.size()));
    }
    table_row row;
    for (std::size_t i = 0; i < header.size(); ++i) {
      row.cells[header[i]] = fields[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

} // namespace scalesweep::reference
