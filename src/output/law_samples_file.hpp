// The law-samples file (schema.hpp's law_samples names): `scalesweep fit -o LAW.h5` writes the
// point estimate and the bootstrap samples of (E, A, B, alpha, beta) along a `sample` dimension,
// with the data's provenance (docs/fitting.md).
#pragma once

#include "scalesweep/math/fit_task.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

// What a samples file records beside the numbers: how they were made.
struct law_samples_provenance {
  std::string command_line;
  std::string data_file;
  std::string data_sha256;
  std::string N_column, D_column, flops_column, loss_column;
  std::uint32_t exclude_highest_loss = 0;
  std::vector<std::int64_t> excluded_rows;
  std::int64_t n_points = 0;
  std::string method; // "huber" | "huber-mle"
  double delta = 0;
  std::string starts; // "grid" or the --start text
  std::uint32_t start_count = 0;
  std::uint32_t starts_reaching_best = 0;
  std::string bootstrap_starts; // "point" | "grid"
  std::uint64_t seed = 0;
  std::string backend;
};

// Writes `path` (through its partial name, output_paths.hpp, renamed when complete). samples may
// be empty (no bootstrap): the `sample` dimension then has length 0.
void write_law_samples(const std::string& path, const fit_result& estimate,
                       const std::vector<fit_result>& samples,
                       const law_samples_provenance& provenance);

// What a sweep takes from a samples file: every sample's constants and the point estimate.
struct law_samples {
  std::vector<scaling_law> laws;
  scaling_law estimate;
};

// Reads `path`, checked: an HDF5 file of this kind and format version, with at least one sample,
// every constant finite and in its range. input_error naming the file and what is wrong
// otherwise (a sweep's bad input: exit 2 before any work).
law_samples read_law_samples(const std::string& path);

} // namespace scalesweep
