// The sample axis on the GPU (SPEC §5.5): one thread per sample-cell solves an optimum with the
// sample's law (cells/sample_cells.hpp); for the quantile problems each quantity's values of a
// piece of cells are then gathered per cell (one thread per sample-cell), ordered by CUB's
// segmented sort (a segment per cell) and read at their order statistics (one thread per cell,
// cells/sample_quantiles.hpp's select_feasible with sorted_quantiles), so the reduction stays on
// the device and only the quantiles are copied back. Why a sort rather than the CPU's in-place
// selection: one thread per cell selecting among S = 4,000 values ran at 9.6e6 solves/s on an
// H200 (docs/benchmarks.md), 1,600 times below the plain optima, because a piece holds a few
// hundred cells, too few threads to fill the GPU, each walking its values serially. The order
// statistics are the same values either way, so both backends' quantiles agree bit for bit.
#include "scalesweep/cells/sample_quantiles.hpp"
#include "scalesweep/error.hpp"

#include "cuda_check.cuh"
#include "launch_geometry.hpp"
#include "sample_kernels.cuh"

#include <cub/device/device_segmented_sort.cuh>

#include <algorithm>
#include <string>
#include <utility>

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

// The quantities a quantile problem reduces; its feasible fraction is the column after them.
template <problem_kind Optimum>
constexpr int
    quantity_count = Optimum == problem_kind::loss_target
                         ? static_cast<int>(loss_target_quantiles_columns::feasible_fraction)
                         : static_cast<int>(budget_quantiles_columns::feasible_fraction);

// The value of quantity `Quantity` (a quantile problem's column: N, D, cost, ...) of sample-cell i
// of the optimum's columns f: the one list of cells/sample_quantiles.hpp.
template <problem_kind Optimum, int Quantity>
__device__ double quantity_value(double* const* f, std::int64_t i) {
  double v = 0;
  const auto pick = [&](auto value, int column) {
    if (column == Quantity) {
      v = value(i);
    }
  };
  if constexpr (Optimum == problem_kind::loss_target) {
    for_each_loss_target_quantity(f, pick);
  } else {
    for_each_budget_quantity(f, pick);
  }
  return v;
}

// Sample-cell k of a piece of `cells` cells (sample k / cells of cell k % cells, as
// launch_optima stored it) with an optimum: its value to the next free place of its cell's
// segment, values[j * S, j * S + S). The order within a segment is the atomics', which the sort
// then removes.
template <problem_kind Optimum, int Quantity>
__global__ void gather_feasible_kernel(sample_device_views sv, sample_scratch scratch,
                                       std::int64_t cells) {
  const std::int64_t n = sv.samples * cells;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += step) {
    if (!sample_has_optimum(scratch.columns.status[k])) {
      continue;
    }
    const std::int64_t j = k % cells;
    const double value = quantity_value<Optimum, Quantity>(scratch.columns.f64, k);
    const unsigned long long at =
        atomicAdd(reinterpret_cast<unsigned long long*>(scratch.counts + j), 1ULL);
    scratch.values[j * sv.samples + static_cast<std::int64_t>(at)] = value;
  }
}

// Cell j's segment of the sort: its gathered values, [j * S, j * S + count).
__global__ void segment_offsets_kernel(sample_scratch scratch, std::int64_t samples,
                                       std::int64_t cells) {
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j < cells) {
    scratch.segment_begins[j] = j * samples;
    scratch.segment_ends[j] = j * samples + scratch.counts[j];
  }
}

// Cell j < cells of a piece, its values sorted: the quantiles of quantity `Quantity` into
// out.f64[Quantity][first + j + c · stride], and after the last quantity the feasible fraction.
template <problem_kind Optimum, int Quantity, bool Last>
__global__ void select_sorted_kernel(sample_device_views sv, sample_scratch scratch,
                                     std::int64_t cells, tile_columns out, std::int64_t first,
                                     std::int64_t stride) {
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= cells) {
    return;
  }
  const sample_piece in{&scratch.columns, 1, sv.samples, cells};
  const reduction_scratch sorted{scratch.sorted + j * sv.samples, scratch.counts + j};
  const piece_quantiles_out to{&out, first + j, stride};
  sorted_quantiles select;
  select_feasible(in, sv.quantiles, sv.levels, sorted, to, Quantity, select);
  if constexpr (Last) {
    store_feasible_fraction(in, sorted, to, quantity_count<Optimum>);
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

// One quantity of a piece of n cells whose optima are in scratch.columns: gathered, sorted per
// cell, read at the order statistics.
template <problem_kind Optimum, int Quantity, bool Last>
void reduce_quantity(const sample_device_views& sv, const sample_scratch& scratch, std::int64_t n,
                     const tile_columns& out, std::int64_t first, std::int64_t stride,
                     cudaStream_t stream) {
  SCALESWEEP_CUDA_CHECK(cudaMemsetAsync(
      scratch.counts, 0, static_cast<std::size_t>(n) * sizeof(std::int64_t), stream));
  gather_feasible_kernel<Optimum, Quantity>
      <<<blocks_for(n * sv.samples), threads_per_block, 0, stream>>>(sv, scratch, n);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  segment_offsets_kernel<<<blocks_for(n), threads_per_block, 0, stream>>>(scratch, sv.samples, n);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  std::size_t bytes = scratch.sort_bytes;
  SCALESWEEP_CUDA_CHECK(cub::DeviceSegmentedSort::SortKeys(
      scratch.sort_temp, bytes, scratch.values, scratch.sorted, n * sv.samples, n,
      scratch.segment_begins, scratch.segment_ends, stream));
  select_sorted_kernel<Optimum, Quantity, Last>
      <<<blocks_for(n), threads_per_block, 0, stream>>>(sv, scratch, n, out, first, stride);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
}

template <problem_kind Optimum, int... Quantity>
void reduce_piece(std::integer_sequence<int, Quantity...>, const sample_device_views& sv,
                  const sample_scratch& scratch, std::int64_t n, const tile_columns& out,
                  std::int64_t first, std::int64_t stride, cudaStream_t stream) {
  constexpr int last = static_cast<int>(sizeof...(Quantity)) - 1;
  (reduce_quantity<Optimum, Quantity, Quantity == last>(sv, scratch, n, out, first, stride, stream),
   ...);
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
  if (sv.samples > scratch.sample_cells) {
    throw error(std::to_string(sv.samples) + " law samples: the CUDA backend reduces at most " +
                std::to_string(scratch.sample_cells) +
                " per cell (--backend cpu reduces any number)");
  }
  // Pieces of cells whose every sample fits the scratch; each piece's reduction follows its
  // optima on the same stream.
  const std::int64_t piece = std::clamp<std::int64_t>(scratch.sample_cells / sv.samples, 1, m);
  for (std::int64_t first = 0; first < m; first += piece) {
    const std::int64_t n = std::min(piece, m - first);
    launch_optima<Optimum>(views, sv, {cells, 0, sv.samples, first, n}, scratch.columns, stream);
    reduce_piece<Optimum>(std::make_integer_sequence<int, quantity_count<Optimum>>{}, sv, scratch,
                          n, out, first, m, stream);
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

std::size_t sample_sort_bytes(std::int64_t sample_cells) {
  std::size_t bytes = 0;
  const double* in = nullptr;
  double* out = nullptr;
  const std::int64_t* offsets = nullptr;
  SCALESWEEP_CUDA_CHECK(cub::DeviceSegmentedSort::SortKeys(nullptr, bytes, in, out, sample_cells,
                                                           sample_cells, offsets, offsets));
  return bytes;
}

} // namespace scalesweep::cuda
