// The points a fit sees, read from a CSV file: (N, D, loss) columns chosen by name, checked,
// optionally without the K highest losses, with what a result file needs to say where they came
// from.
#pragma once

#include "scalesweep/math/huber_fit.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep::app {

struct fit_data_options {
  std::string N_column = "N";
  std::string D_column;     // training tokens; empty when flops_column is used
  std::string flops_column; // training FLOP C, D = C / (6 N); empty when D_column is used
  std::string loss_column = "loss";
  std::uint32_t exclude_highest_loss = 0;
  int parameters = law_parameters; // a fit needs at least this many points
};

struct fit_data {
  std::string path;
  std::string sha256;
  std::vector<double> N, D, loss; // the points kept, in file order
  std::vector<double> log_N, log_D, log_loss;
  std::vector<std::int64_t> rows;          // data row (1 = the line after the header) of each
  std::vector<std::int64_t> excluded_rows; // rows left out by exclude_highest_loss
  std::int64_t rows_read = 0;

  std::uint32_t size() const { return static_cast<std::uint32_t>(log_N.size()); }
  fit_points_view view() const {
    return with_ranges({log_N.data(), log_D.data(), log_loss.data(), size(), nullptr, 1});
  }
};

// Parses CSV text (a header line of column names, then one row per line; fields may be quoted
// with "). `source` names the file in messages. Throws input_error naming the line, the column,
// its flag and the allowed range.
fit_data parse_fit_data(const std::string& text, const std::string& source,
                        const fit_data_options& options);

// The largest data file read: about 20 million rows of a few numbers, far past any published
// set of training runs (hundreds of rows), and small enough to hold in memory at once.
inline constexpr std::int64_t max_fit_data_bytes = std::int64_t{1} << 30;

// Reads `path`, a regular file of at most max_fit_data_bytes (a FIFO, a device such as /dev/zero
// or a larger file is refused before it is read), and parses it; the data's sha256 is that of
// the file's bytes.
fit_data read_fit_data(const std::string& path, const fit_data_options& options);

} // namespace scalesweep::app
