// What a run computes: the resolved config, its axes, the problems to solve and how they are tiled.
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/tile.hpp"
#include "scalesweep/math/cost_model.hpp"

#include "plan/axes.hpp"
#include "plan/config.hpp"
#include "plan/variables.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

struct variable_info {
  std::string name;
  std::string units;
  std::string long_name;
  value_type type;                // in memory: every number is computed in double precision
  bool stored_as_float32 = false; // in the file ([output] dtype)
  bool without_first_dim = false; // variables.hpp's: the problem's dims but the first
};

// A problem's grid over named axes, its output variables and its tile shape (= HDF5 chunk).
struct problem_grid {
  problem_kind kind;
  std::string name;                      // "loss-target optima", for progress lines
  std::vector<axis_id> dims;             // problem_kind.hpp's *_axes (= the *_dims order)
  std::vector<std::int64_t> shape;       // axis sizes along dims
  std::vector<variable_info> outputs;    // plan/variables.hpp's: *_columns order, then the status
  std::vector<std::int64_t> chunk_shape; // HDF5 chunk: [output] chunk_cells, innermost dims first
  // Unit handed to shards and MPI ranks: whole chunks, fixed by the config alone so that every
  // shard and rank (and a resumed run) cuts the grid the same way.
  std::vector<std::int64_t> block_shape;
  std::vector<std::int64_t> tile_shape; // unit of work: whole chunks, at most a block

  std::int64_t cells() const;
  std::int64_t chunk_count() const;
  tile_box chunk(std::int64_t index) const; // row-major over the grid of chunks (edges smaller)
  std::int64_t block_count() const;
  tile_box block(std::int64_t index) const; // row-major over the grid of blocks
  std::int64_t tile_count() const;
  tile_box tile(std::int64_t index) const; // row-major over the grid of tiles
  std::int64_t f64_outputs() const;
  bool has_status() const;
  std::int64_t memory_bytes_per_cell() const; // computed: 8 per number, 1 per status
  std::int64_t file_bytes_per_cell() const;   // stored: 4 or 8 per number, 1 per status
  std::int64_t chunk_bytes() const; // one chunk of every variable, uncompressed (edges full size)
};

// A variable's part of a box (or shape) of its problem's grid: without the first dimension for a
// variable without_first_dim, else all of it. The first dimension of such a problem's tiles and
// chunks spans one whole extent (the quantile levels), so its cells at the first level lead the
// tile's columns in exactly the layout of the smaller box: writers take the same column.
tile_box variable_box(const variable_info& v, const tile_box& box);
std::vector<std::int64_t> variable_shape(const variable_info& v,
                                         const std::vector<std::int64_t>& shape);

struct sweep_plan {
  sweep_config config;
  // The hardware axis: config.hardware for objective usd, one "flops" entry ({1, 1}) otherwise.
  std::vector<std::string> hardware_names;
  std::vector<cost_coefficients> hardware_coefficients;
  std::vector<axis> axes; // every axis in all_axes order, hardware included
  std::vector<problem_grid> problems;

  const axis* find_axis(axis_id id) const;
  std::int64_t total_cells() const;
  std::int64_t output_bytes() const; // file size, uncompressed: whole chunks, edges included
  std::int64_t max_tile_bytes() const;
};

// Resolves and checks what the config asks for (which problems, required axes); throws
// input_error before any work starts. Tiles start as one chunk; fit_tiles grows them.
sweep_plan make_plan(sweep_config config);

// Cells of a box of this shape (a grid, chunk or tile).
std::int64_t cells_of(const std::vector<std::int64_t>& shape);

// Box shape for a grid: fills the innermost dimensions first, at most max_cells cells; the first
// dimension that does not fit whole is cut into near-equal pieces.
std::vector<std::int64_t> choose_tile_shape(const std::vector<std::int64_t>& shape,
                                            std::int64_t max_cells);

// The largest box of at most max_cells cells (at least one chunk) that is a whole number of
// chunks along each dimension (or the whole extent), growing the innermost dimensions first.
std::vector<std::int64_t> chunk_aligned_tile_shape(const std::vector<std::int64_t>& shape,
                                                   const std::vector<std::int64_t>& chunk,
                                                   std::int64_t max_cells);

} // namespace scalesweep
