// `scalesweep export --csv`: one problem of a result file as CSV, one row per cell, for readers
// without HDF5. Columns are the problem's coordinates, outermost first, then its variables in the
// schema's order; the header names each "name [units]" (the CF units the file carries; no
// brackets where a column has none: hardware, statuses). Doubles print as float_literal (the
// --json printer: shortest round trip, always a float, "NaN"); statuses as their flag_meanings
// word. Rows follow the cells row-major, the last axis fastest.
#pragma once

#include "tools/result_reader.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace scalesweep {

struct csv_export_summary {
  std::int64_t rows = 0;
  std::int64_t unwritten = 0; // cells of chunks no run has written (--allow-incomplete only)
};

class csv_export {
public:
  // Opens the file and checks everything an export needs, throwing input_error before any output:
  // the problem ("loss-target", "budget", "dense-loss", "dense-cost", "budget-curve"; '_' also
  // accepted) must be in the file, and the file complete (not a .partial run, not one shard's
  // part) unless `allow_incomplete`, which then exports only the cells of written chunks.
  csv_export(const std::string& path, const std::string& problem, bool allow_incomplete);

  // Writes the header and every row to `out`, block by block in bounded memory; throws io_error
  // when a write fails.
  csv_export_summary write(std::FILE* out) const;

  // The problems of the CLI's --problem, as it spells them.
  static std::vector<std::string> problem_names();

private:
  struct column {
    std::string name;
    std::string units; // empty: none
    bool is_status = false;
    std::vector<std::string> meanings; // a status's flag_meanings
    bool without_first_dim = false;    // one value per cell of the other dimensions, repeated
  };

  h5::result_reader m_file;
  std::string m_path;
  bool m_allow_incomplete;
  std::vector<column> m_axes;      // the coordinates, in the problem's dimension order
  std::vector<column> m_variables; // the problem's variables present in the file
};

} // namespace scalesweep
