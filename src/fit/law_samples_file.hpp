// The file `scalesweep fit -o LAW.h5` writes: the point estimate and the bootstrap samples of
// (E, A, B, alpha, beta) along a `sample` dimension, with the data's provenance (docs/fitting.md).
#pragma once

#include "fit/fit_data.hpp"
#include "fit/fit_driver.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

inline constexpr const char* law_samples_file_kind = "scalesweep law samples";
inline constexpr std::int64_t law_samples_format_version = 1;

// What a samples file records beside the numbers: how they were made.
struct law_samples_provenance {
  std::string command_line;
  std::string data_file;
  std::string data_sha256;
  std::string N_column, D_column, flops_column, loss_column;
  std::uint32_t exclude_highest_loss = 0;
  std::vector<std::int64_t> excluded_rows;
  std::string method; // "huber" | "huber-mle"
  double delta = 0;
  std::string starts;           // "grid" or the --start text
  std::string bootstrap_starts; // "point" | "grid"
  std::uint64_t seed = 0;
  std::string backend;
};

// Writes `path` (through path.partial, renamed when complete). samples may be empty (no
// bootstrap): the `sample` dimension then has length 0.
void write_law_samples(const std::string& path, const fit_data& data,
                       const point_estimate& estimate, const std::vector<fit_result>& samples,
                       const law_samples_provenance& provenance);

} // namespace scalesweep
