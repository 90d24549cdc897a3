// The sample axis on the GPU (SPEC §5.5): one thread per sample-cell solves an optimum with the
// sample's law (cells/sample_cells.hpp), and, for the quantile problems, one thread per cell then
// selects its order statistics among its samples (cells/sample_quantiles.hpp: the selection the
// CPU's reference reduction runs, a quickselect, O(S) per cell), so the reduction stays on the
// device and only the quantiles are copied back. Why a per-thread selection rather than CUB's
// segmented sort: the quantiles need three order statistics, not an order, the selection is the
// same code as the CPU's reference (its order statistics are exact, so both backends select the
// same values bit for bit) and it needs S doubles of scratch per cell rather than a sort's two
// copies. Whether a segmented sort is faster on a GPU is a benchmark still to run
// (docs/benchmarks.md).
#include "scalesweep/cells/sample_quantiles.hpp"
#include "scalesweep/error.hpp"

#include "cuda_check.cuh"
#include "launch_geometry.hpp"
#include "sample_kernels.cuh"

#include <algorithm>
#include <string>

namespace scalesweep::cuda {

namespace {

// Sample-cells [0, samples · cells) of a launch: sample first_sample + k / cells of cell
// first_cell + k % cells of the rank-3 box `cells` (hardware, T, last axis), stored as element k
// of the output columns (consecutive threads: consecutive cells of one sample, coalesced).
struct sample_range {
  tile_box cells;
  std::int64_t first_sample;
  std::int64_t samples;
  std::int64_t first_cell;
  std::int64_t piece_cells;
};

template <problem_kind Optimum>
__global__ void sample_optima_kernel(sweep_views views, sample_device_views sv, sample_range r,
                                     tile_columns out) {
  const std::int64_t n = r.samples * r.piece_cells;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += step) {
    const std::int64_t s = r.first_sample + k / r.piece_cells;
    // The cell's grid indices, decoded by hand: grid_index's runtime rank would put them in
    // local memory.
    std::int64_t c = r.first_cell + k % r.piece_cells;
    const std::int64_t x = r.cells.offset[2] + c % r.cells.count[2];
    c /= r.cells.count[2];
    const std::int64_t t = r.cells.offset[1] + c % r.cells.count[1];
    const std::int64_t h = r.cells.offset[0] + c / r.cells.count[1];
    if constexpr (Optimum == problem_kind::loss_target) {
      loss_target_sample_cell(sv.laws[s], views, h, t, sv.loss_targets[x], k, out);
    } else {
      budget_sample_cell(sv.laws[s], views, h, t, x, k, out);
    }
  }
}

// Cell j < cells of a piece (its samples at stride `piece_cells` in `scratch`) reduced into
// quantile columns out.f64[...][first + j + c · stride].
template <problem_kind Optimum>
__global__ void sample_quantiles_kernel(sample_device_views sv, sample_scratch scratch,
                                        std::int64_t cells, std::int64_t piece_cells,
                                        tile_columns out, std::int64_t first, std::int64_t stride) {
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= cells) {
    return;
  }
  tile_columns mine = scratch.columns;
  for (int k = 0; k < loss_target_columns::count; ++k) {
    mine.f64[k] += j;
  }
  mine.status += j;
  const sample_piece in{&mine, 1, sv.samples, piece_cells};
  const reduction_scratch reduce{scratch.values + j * sv.samples, scratch.counts + j};
  const piece_quantiles_out to{&out, first + j, stride};
  // Quickselect, not the CPU's radix selection: a thread per cell has no room for a histogram
  // (docs/uncertainty.md); both give the same order statistics.
  quickselect_quantiles select;
  if constexpr (Optimum == problem_kind::loss_target) {
    reduce_loss_target_samples(in, sv.quantiles, sv.levels, reduce, to, select);
  } else {
    reduce_budget_samples(in, sv.quantiles, sv.levels, reduce, to, select);
  }
}

unsigned blocks_for(std::int64_t threads) {
  return static_cast<unsigned>(
      std::clamp<std::int64_t>(ceil_div(threads, threads_per_block), 1, max_blocks));
}

template <problem_kind Optimum>
void launch_optima(const sweep_views& views, const sample_device_views& sv, const sample_range& r,
                   const tile_columns& out, cudaStream_t stream) {
  sample_optima_kernel<Optimum>
      <<<blocks_for(r.samples * r.piece_cells), threads_per_block, 0, stream>>>(views, sv, r, out);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
}

template <problem_kind Optimum>
void launch_tile(problem_kind kind, const sweep_views& views, const sample_device_views& sv,
                 const tile_box& box, const tile_columns& out, const sample_scratch& scratch,
                 cudaStream_t stream) {
  tile_box cells{};
  cells.rank = 3;
  for (int d = 0; d < 3; ++d) {
    cells.offset[d] = box.offset[d + 1];
    cells.count[d] = box.count[d + 1];
  }
  const std::int64_t m = cell_count(cells);
  if (m == 0 || box.count[0] == 0) {
    return;
  }
  if (!reduces_to_quantiles(kind)) {
    // Kept samples: the tile is sample-major over the same cells.
    launch_optima<Optimum>(views, sv, {cells, box.offset[0], box.count[0], 0, m}, out, stream);
    return;
  }
  if (box.offset[0] != 0 || box.count[0] != sv.levels) {
    throw error("internal error: a tile of quantiles that does not span every level");
  }
  // Pieces of cells whose every sample fits the scratch; each piece's reduction follows its
  // optima on the same stream.
  const std::int64_t piece = std::clamp<std::int64_t>(scratch.sample_cells / sv.samples, 1, m);
  for (std::int64_t first = 0; first < m; first += piece) {
    const std::int64_t n = std::min(piece, m - first);
    launch_optima<Optimum>(views, sv, {cells, 0, sv.samples, first, n}, scratch.columns, stream);
    sample_quantiles_kernel<Optimum>
        <<<blocks_for(n), threads_per_block, 0, stream>>>(sv, scratch, n, n, out, first, m);
    SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  }
}

} // namespace

void launch_sample_kernels(problem_kind kind, const sweep_views& views,
                           const sample_device_views& samples, const tile_box& box,
                           const tile_columns& out, const sample_scratch& scratch,
                           cudaStream_t stream) {
  if (box.rank != 4) {
    throw error("internal error: a sample-axis tile of rank " + std::to_string(box.rank));
  }
  if (optimum_per_sample(kind) == problem_kind::loss_target) {
    launch_tile<problem_kind::loss_target>(kind, views, samples, box, out, scratch, stream);
  } else {
    launch_tile<problem_kind::budget>(kind, views, samples, box, out, scratch, stream);
  }
}

} // namespace scalesweep::cuda
