// Which tiles this process computes: the grid is cut into blocks (fixed by the config), blocks are
// dealt to shards (job arrays) and then to MPI ranks, and each block is cut into tiles; on resume,
// tiles whose chunks are all done are skipped. Chunks are the unit of "done".
#pragma once

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/cells/tile.hpp"

#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

// Part `index` (0-based) of `count` disjoint parts of a sweep (`run --shard i/n`, 1-based there).
struct shard_spec {
  int index = 0;
  int count = 1;
  bool whole() const { return count == 1; }
  std::string text() const; // "2/3"
};

// Parses "i/n" with 1 <= i <= n; throws input_error naming --shard.
shard_spec parse_shard(const std::string& text);

// The chunks (grid boxes, clipped at the grid's edge) that make up a chunk-aligned tile or block.
box_grid chunks_of(const problem_grid& problem, const tile_box& tile);
// Index of a chunk (given by its box) in the row-major grid of chunks.
std::int64_t chunk_index(const problem_grid& problem, const tile_box& chunk);
// Cells of the chunks whose byte in `chunks` (one per chunk, as progress records hold them) is
// not 0; edge chunks are smaller.
std::int64_t cells_of_chunks(const problem_grid& problem, const std::vector<std::uint8_t>& chunks);
// The chunk indices a chunk-aligned box covers.
std::vector<std::int64_t> chunk_indices(const problem_grid& problem, const tile_box& box);

// Whether block `block` belongs to shard `shard` (blocks are dealt round-robin).
bool shard_owns_block(std::int64_t block, const shard_spec& shard);

// Disk a part of `shard` takes: plan.output_bytes() less the chunks of the other shards (a
// serial part stores only its own; a part MPI ranks allocate whole leaves the others as holes).
// Blocks are dealt round-robin, so a shard may hold more than 1/n of the grid.
std::int64_t shard_output_bytes(const sweep_plan& plan, const shard_spec& shard);

// Cells of the whole shard (every rank's, done or not): what its finished part file holds.
std::int64_t shard_cells(const sweep_plan& plan, const shard_spec& shard);
// The most blocks of any problem: more shards than this leave some with no work.
std::int64_t largest_block_count(const sweep_plan& plan);

// This rank's tiles of `problem`, in order: the shard's blocks dealt round-robin to the ranks,
// each cut into tiles of problem.tile_shape, keeping tiles with a chunk that is not done.
std::vector<tile_box> assigned_tiles(const problem_grid& problem, const shard_spec& shard, int rank,
                                     int ranks, const std::vector<std::uint8_t>& done);

} // namespace scalesweep
