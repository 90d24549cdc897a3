// The sample axis on the GPU (SPEC §5.5): one thread per sample-cell solves an optimum (or a
// robust model) with the sample's law (cells/sample_cells.hpp); for the quantile problems each
// quantity's values of a piece of cells are then gathered per cell (one thread per sample-cell),
// ordered by CUB's segmented sort (a segment per cell) and read at their order statistics (one
// thread per cell, cells/sample_quantiles.hpp's select_feasible with sorted_quantiles), so the
// reduction stays on the device and only the quantiles are copied back. Why a sort rather than the
// CPU's in-place selection: one thread per cell selecting among S = 4,000 values ran at 9.6e6
// solves/s on an H200 (docs/benchmarks.md), 1,600 times below the plain optima, because a piece
// holds a few hundred cells, too few threads to fill the GPU, each walking its values serially. The
// order statistics are the same values either way, so both backends' quantiles agree bit for bit.
#include "scalesweep/cells/sample_quantiles.hpp"
#include "scalesweep/error.hpp"

#include "cuda_check.cuh"
#include "launch_geometry.hpp"
#include "sample_kernels.cuh"

#include <cub/block/block_radix_sort.cuh>
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include <algorithm>
#include <string>
#include <utility>

namespace scalesweep::cuda {

namespace {

// Sample-cells [0, samples · cells) of a launch: sample first_sample + k / cells of cell
// first_cell + k % cells of the box `cells` (the optimum's dimensions: hardware, T, last axis;
// the robust choice's hardware, spread, T, loss target), stored as element k of the output
// columns (consecutive threads: consecutive cells of one sample, coalesced).
struct sample_range {
  tile_box cells;
  std::int64_t first_sample;
  std::int64_t samples;
  std::int64_t first_cell;
  std::int64_t piece_cells;
};

// Sample s of cell c (an index into r.cells, row-major) solved into element i of `out`. The cell's
// grid indices are decoded by hand: grid_index's runtime rank would put them in local memory.
template <problem_kind Optimum>
__device__ void solve_sample_cell(const sweep_views& views, const sample_device_views& sv,
                                  const sample_range& r, std::int64_t s, std::int64_t c,
                                  std::int64_t i, const tile_columns& out) {
  constexpr bool rank5 = Optimum == problem_kind::robust || Optimum == problem_kind::regret;
  constexpr int last = rank5 ? 3 : 2;
  const std::int64_t x = r.cells.offset[last] + c % r.cells.count[last];
  c /= r.cells.count[last];
  const std::int64_t t = r.cells.offset[last - 1] + c % r.cells.count[last - 1];
  c /= r.cells.count[last - 1];
  if constexpr (rank5) {
    const std::int64_t outer = r.cells.offset[1] + c % r.cells.count[1]; // spread, or T_plan
    const std::int64_t h = r.cells.offset[0] + c / r.cells.count[1];
    if constexpr (Optimum == problem_kind::robust) {
      robust_sample_cell(sv.laws[s], views, h, outer, t, sv.loss_targets[x], i, out);
    } else {
      regret_sample_cell(sv.laws[s], views, h, outer, t, sv.loss_targets[x], i, out);
    }
  } else {
    const std::int64_t h = r.cells.offset[0] + c;
    if constexpr (Optimum == problem_kind::loss_target) {
      loss_target_sample_cell(sv.laws[s], views, h, t, sv.loss_targets[x], i, out);
    } else {
      budget_sample_cell(sv.laws[s], views, h, t, x, i, out);
    }
  }
}

template <problem_kind Optimum>
__global__ void sample_optima_kernel(sweep_views views, sample_device_views sv, sample_range r,
                                     tile_columns out) {
  const std::int64_t n = r.samples * r.piece_cells;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += step) {
    solve_sample_cell<Optimum>(views, sv, r, r.first_sample + k / r.piece_cells,
                               r.first_cell + k % r.piece_cells, k, out);
  }
}

// The quantities a quantile problem reduces; its feasible fraction is the column after them.
template <problem_kind Optimum>
constexpr int
    quantity_count = Optimum == problem_kind::loss_target
                         ? static_cast<int>(loss_target_quantiles_columns::feasible_fraction)
                     : Optimum == problem_kind::robust
                         ? static_cast<int>(robust_quantiles_columns::feasible_fraction)
                     : Optimum == problem_kind::regret
                         ? static_cast<int>(regret_quantiles_columns::feasible_fraction)
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
  } else if constexpr (Optimum == problem_kind::robust) {
    for_each_robust_quantity(f, pick);
  } else if constexpr (Optimum == problem_kind::regret) {
    for_each_regret_quantity(f, pick);
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

// ---- Block per cell: the quantities solved straight into cell-major rows, sorted in a block ----

// The largest S the block path sorts: 256 threads of 16 keys each. Beyond it the segmented
// sort above serves.
constexpr std::int64_t block_sort_items = 16;
constexpr std::int64_t block_sort_samples = threads_per_block * block_sort_items;

// Sample-cell k of a piece: sample k % S of cell k / S (consecutive threads, consecutive samples
// of one cell), solved into registers; its quantities (for_each_*_quantity, the one list) to
// scratch.columns.f64[quantity][k] and its status to scratch.columns.status[k]. Cell j's
// samples are then the contiguous run [j * S, j * S + S) of each quantity.
template <problem_kind Optimum>
__global__ void sample_quantities_kernel(sweep_views views, sample_device_views sv, sample_range r,
                                         tile_columns rows) {
  const std::int64_t n = r.samples * r.piece_cells;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < n;
       k += step) {
    // A one-cell tile in registers: the optimum's columns, element 0.
    double cell[max_f64_columns];
    std::uint8_t status = 0;
    tile_columns one{};
    for (int c = 0; c < max_f64_columns; ++c) {
      one.f64[c] = cell + c;
    }
    one.status = &status;
    solve_sample_cell<Optimum>(views, sv, r, k % r.samples, r.first_cell + k / r.samples, 0, one);
    rows.status[k] = status;
    const auto store = [&](auto value, int column) { rows.f64[column][k] = value(0); };
    if constexpr (Optimum == problem_kind::loss_target) {
      for_each_loss_target_quantity(one.f64, store);
    } else if constexpr (Optimum == problem_kind::robust) {
      for_each_robust_quantity(one.f64, store);
    } else if constexpr (Optimum == problem_kind::regret) {
      for_each_regret_quantity(one.f64, store);
    } else {
      for_each_budget_quantity(one.f64, store);
    }
  }
}

// Cell j of a piece per block (grid-stride over cells): its feasible count, then each quantity's
// S values (those without an optimum as +inf, which sort after every finite value) sorted by
// cub::BlockRadixSort in shared memory and read at the order statistics by one thread
// (select_feasible with sorted_quantiles: the ranks below the count are the feasible values in
// order, the same order statistics the CPU selects).
template <problem_kind Optimum, int Items>
__global__ void __launch_bounds__(threads_per_block)
    block_quantiles_kernel(sample_device_views sv, tile_columns rows, std::int64_t cells,
                           tile_columns out, std::int64_t first, std::int64_t stride) {
  using sort = cub::BlockRadixSort<double, threads_per_block, Items>;
  using sum = cub::BlockReduce<int, threads_per_block>;
  __shared__ union {
    typename sort::TempStorage sort;
    typename sum::TempStorage sum;
    double sorted[threads_per_block * Items];
  } shared;
  __shared__ std::int64_t feasible;
  const std::int64_t S = sv.samples;
  for (std::int64_t j = blockIdx.x; j < cells; j += gridDim.x) {
    const std::int64_t base = j * S;
    int mine = 0;
    for (std::int64_t s = threadIdx.x; s < S; s += threads_per_block) {
      mine += sample_has_optimum(rows.status[base + s]) ? 1 : 0;
    }
    const int total = sum(shared.sum).Sum(mine);
    if (threadIdx.x == 0) {
      feasible = total;
    }
    __syncthreads();
    const sample_piece in{&rows, 1, S, cells};
    const reduction_scratch sorted{shared.sorted, &feasible};
    const piece_quantiles_out to{&out, first + j, stride};
    for (int quantity = 0; quantity < quantity_count<Optimum>; ++quantity) {
      double keys[Items];
      for (int i = 0; i < Items; ++i) { // striped: coalesced; the sort takes any arrangement
        const std::int64_t s = static_cast<std::int64_t>(i) * threads_per_block + threadIdx.x;
        keys[i] = s < S && sample_has_optimum(rows.status[base + s]) ? rows.f64[quantity][base + s]
                                                                     : INFINITY;
      }
      sort(shared.sort).Sort(keys);
      __syncthreads();                  // the sort's storage becomes the sorted values
      for (int i = 0; i < Items; ++i) { // blocked: thread t holds ranks t * Items + i
        shared.sorted[threadIdx.x * Items + i] = keys[i];
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        sorted_quantiles select;
        select_feasible(in, sv.quantiles, sv.levels, sorted, to, quantity, select);
      }
      __syncthreads(); // before the next sort reuses the storage
    }
    if (threadIdx.x == 0) {
      store_feasible_fraction(in, sorted, to, quantity_count<Optimum>);
    }
    __syncthreads();
  }
}

// One piece of n cells by blocks: every sample-cell's quantities, then a block per cell. Items:
// keys per thread, the smallest of 4 and 16 that holds S.
template <problem_kind Optimum>
void block_reduce_piece(const sweep_views& views, const sample_device_views& sv,
                        const sample_range& r, const sample_scratch& scratch,
                        const tile_columns& out, std::int64_t stride, cudaStream_t stream) {
  const std::int64_t n = r.piece_cells;
  sample_quantities_kernel<Optimum>
      <<<blocks_for(n * sv.samples), threads_per_block, 0, stream>>>(views, sv, r, scratch.columns);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  const auto blocks = static_cast<unsigned>(std::clamp<std::int64_t>(n, 1, max_blocks));
  if (sv.samples <= threads_per_block * 4) {
    block_quantiles_kernel<Optimum, 4><<<blocks, threads_per_block, 0, stream>>>(
        sv, scratch.columns, n, out, r.first_cell, stride);
  } else {
    block_quantiles_kernel<Optimum, block_sort_items><<<blocks, threads_per_block, 0, stream>>>(
        sv, scratch.columns, n, out, r.first_cell, stride);
  }
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
}

template <problem_kind Optimum>
void launch_tile(problem_kind kind, const sweep_views& views, const sample_device_views& sv,
                 const tile_box& box, const tile_columns& out, const sample_scratch& scratch,
                 cudaStream_t stream) {
  tile_box cells{};
  cells.rank = box.rank - 1;
  for (int d = 0; d < cells.rank; ++d) {
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
    if (sv.samples <= block_sort_samples) {
      block_reduce_piece<Optimum>(views, sv, {cells, 0, sv.samples, first, n}, scratch, out, m,
                                  stream);
      continue;
    }
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
  const problem_kind optimum = optimum_per_sample(kind);
  const int rank = optimum == problem_kind::robust || optimum == problem_kind::regret ? 5 : 4;
  if (box.rank != rank) {
    throw error("internal error: a sample-axis tile of rank " + std::to_string(box.rank) +
                " for a problem of rank " + std::to_string(rank));
  }
  if (optimum == problem_kind::loss_target) {
    launch_tile<problem_kind::loss_target>(kind, views, samples, box, out, scratch, stream);
  } else if (optimum == problem_kind::robust) {
    launch_tile<problem_kind::robust>(kind, views, samples, box, out, scratch, stream);
  } else if (optimum == problem_kind::regret) {
    launch_tile<problem_kind::regret>(kind, views, samples, box, out, scratch, stream);
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
