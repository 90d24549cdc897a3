// CSV reading and checks for `scalesweep fit` (fit_data.hpp).
#include "app/fit/fit_data.hpp"

#include "scalesweep/error.hpp"

#include "common/regular_file.hpp"
#include "common/sha256.hpp"
#include "common/untrusted_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <sstream>

namespace scalesweep::app {

namespace {

// One CSV record: fields split at commas outside double quotes; "" inside quotes is a quote.
std::vector<std::string> split_record(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) {
    return {};
  }
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

struct column {
  const char* flag;
  std::string name;
  std::size_t index = 0;
};

std::string list_columns(const std::vector<std::string>& header) {
  std::string out;
  for (const std::string& h : header) {
    out += (out.empty() ? "'" : ", '") + shown_token(h) + "'";
  }
  return out;
}

double parse_number(const std::string& field, const std::string& where) {
  const std::string t = trim(field);
  double v = 0;
  const char* end = t.data() + t.size();
  const std::from_chars_result r = std::from_chars(t.data(), end, v);
  if (t.empty() || r.ec != std::errc() || r.ptr != end) {
    throw input_error(where + ": '" + shown_token(t) + "' is not a number",
                      "the column must hold plain decimal numbers (1.5e9, 2143.86)");
  }
  return v;
}

} // namespace

fit_data parse_fit_data(const std::string& text, const std::string& source,
                        const fit_data_options& options) {
  if (!options.D_column.empty() && !options.flops_column.empty()) {
    throw input_error("give --D-column or --flops-column, not both");
  }
  std::istringstream in(text);
  std::string line;
  std::int64_t line_number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line)) {
    ++line_number;
    if (!trim(line).empty()) {
      header = split_record(line);
      for (std::string& h : header) {
        h = trim(h);
      }
    }
  }
  if (header.empty()) {
    throw input_error(source + ": empty file (no header line of column names)");
  }
  const bool from_flops = !options.flops_column.empty();
  column columns[3] = {
      {"--N-column", options.N_column},
      {from_flops ? "--flops-column" : "--D-column",
       from_flops ? options.flops_column : (options.D_column.empty() ? "D" : options.D_column)},
      {"--loss-column", options.loss_column}};
  for (column& c : columns) {
    const auto it = std::find(header.begin(), header.end(), c.name);
    if (it == header.end()) {
      throw input_error(std::string(c.flag) + ": " + source + " has no column '" +
                            shown_token(c.name) + "'",
                        "its columns are " + list_columns(header));
    }
    c.index = static_cast<std::size_t>(it - header.begin());
  }

  fit_data d;
  d.path = source;
  std::vector<double> N, D, loss;
  std::vector<std::int64_t> rows;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) {
      continue;
    }
    ++d.rows_read;
    const std::vector<std::string> fields = split_record(line);
    if (fields.size() != header.size()) {
      throw input_error(source + " line " + std::to_string(line_number) + ": " +
                        std::to_string(fields.size()) + " fields, but the header has " +
                        std::to_string(header.size()));
    }
    double v[3];
    for (int j = 0; j < 3; ++j) {
      const std::string where = source + " line " + std::to_string(line_number) + ", column '" +
                                shown_token(columns[j].name) + "' (" + columns[j].flag + ")";
      v[j] = parse_number(fields[columns[j].index], where);
      if (!(std::isfinite(v[j]) && v[j] > 0)) {
        throw input_error(where + ": must be finite and > 0, got " +
                          shown_token(trim(fields[columns[j].index])));
      }
    }
    const double tokens = from_flops ? v[1] / (6.0 * v[0]) : v[1];
    if (!(std::isfinite(tokens) && tokens > 0)) {
      throw input_error(source + " line " + std::to_string(line_number) +
                        ": D = C / (6 N) is not a finite positive number");
    }
    N.push_back(v[0]);
    D.push_back(tokens);
    loss.push_back(v[2]);
    rows.push_back(d.rows_read);
  }

  const std::size_t total = N.size();
  if (options.exclude_highest_loss >= total && total > 0) {
    throw input_error("--exclude-highest-loss " + std::to_string(options.exclude_highest_loss) +
                          " leaves no point of the " + std::to_string(total) + " in " + source,
                      "allowed: 0 to " + std::to_string(total - 1));
  }
  // The K highest losses; among equal losses the earlier rows go first (a stable order).
  std::vector<std::size_t> order(total);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return loss[a] > loss[b]; });
  std::vector<bool> excluded(total, false);
  for (std::uint32_t k = 0; k < options.exclude_highest_loss; ++k) {
    excluded[order[k]] = true;
  }
  for (std::size_t i = 0; i < total; ++i) {
    if (excluded[i]) {
      d.excluded_rows.push_back(rows[i]);
      continue;
    }
    d.N.push_back(N[i]);
    d.D.push_back(D[i]);
    d.loss.push_back(loss[i]);
    d.log_N.push_back(std::log(N[i]));
    d.log_D.push_back(std::log(D[i]));
    d.log_loss.push_back(std::log(loss[i]));
    d.rows.push_back(rows[i]);
  }
  if (d.N.size() < static_cast<std::size_t>(options.parameters)) {
    throw input_error(
        source + ": " + std::to_string(d.N.size()) + " point" + (d.N.size() == 1 ? "" : "s") +
            " to fit" + (options.exclude_highest_loss > 0 ? " after --exclude-highest-loss" : "") +
            ", fewer than the " + std::to_string(options.parameters) + " parameters of the fit",
        "a fit needs at least one row per parameter");
  }
  if (d.N.size() > 0xffffffffu) {
    throw input_error(source + ": more than 2^32 - 1 rows");
  }
  d.sha256 = sha256_hex(text);
  return d;
}

fit_data read_fit_data(const std::string& path, const fit_data_options& options) {
  return parse_fit_data(read_regular_file(path, max_fit_data_bytes, "data"), path, options);
}

} // namespace scalesweep::app
