// What a run computes: the resolved config, its axes, the problems to solve and how they are tiled.
#pragma once

#include "scalesweep/axes.hpp"
#include "scalesweep/config.hpp"
#include "scalesweep/cost_model.hpp"
#include "scalesweep/problem_cells.hpp"
#include "scalesweep/tile.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

enum class value_type { f64, u8 };

struct variable_info {
  std::string name;
  std::string units;
  std::string long_name;
  value_type type;
};

// A problem's grid over named axes, its output variables and its tile shape (= HDF5 chunk).
struct problem_plan {
  problem_kind kind;
  std::string name;                   // "loss_target optima", for progress lines
  std::vector<axis_id> dims;          // in the order of problem_cells.hpp's *_dims
  std::vector<std::int64_t> shape;    // axis sizes along dims
  std::vector<variable_info> outputs; // f64 columns in *_columns order, then the status (if any)
  std::vector<std::int64_t> tile_shape;

  std::int64_t cells() const;
  std::int64_t tile_count() const;
  tile_box tile(std::int64_t index) const; // row-major over the grid of tiles
  std::int64_t f64_outputs() const;
  bool has_status() const;
  std::int64_t bytes_per_cell() const;
};

struct sweep_plan {
  sweep_config config;
  // The hardware axis: config.hardware for objective usd, one "flops" entry ({1, 1}) otherwise.
  std::vector<std::string> hardware_names;
  std::vector<cost_coefficients> hardware_coefficients;
  std::vector<axis> axes; // every axis in all_axes order, hardware included
  std::vector<problem_plan> problems;

  const axis* find_axis(axis_id id) const;
  std::int64_t total_cells() const;
  std::int64_t output_bytes() const; // uncompressed
  std::int64_t max_tile_bytes() const;
};

// Resolves and checks what the config asks for (which problems, required axes); throws
// input_error before any work starts. config.output.tile_cells bounds every tile.
sweep_plan make_plan(sweep_config config);

// Tile shape for a grid: fills the innermost dimensions first, at most max_cells cells.
std::vector<std::int64_t> choose_tile_shape(const std::vector<std::int64_t>& shape,
                                            std::int64_t max_cells);

// Host pointers of every axis of a plan (for the CPU backend; the CUDA backend copies them).
sweep_views host_views(const sweep_plan& plan);

} // namespace scalesweep
