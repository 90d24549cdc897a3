// CPU tiles of the sample axis: each sample's optima (or robust models) through the plain
// problems' row segments (SIMD lanes included) with the sample's law, then, for quantiles, a
// per-cell reduction.
#include "backends/cpu/sample_tiles.hpp"

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/cells/sample_quantiles.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/math/radix_quantiles.hpp"

#include "backends/cpu/lanes_driver.hpp"

#include <algorithm>
#include <vector>

namespace scalesweep {

namespace {

static_assert(static_cast<int>(loss_target_columns::count) ==
                      static_cast<int>(budget_columns::count) &&
                  static_cast<int>(robust_columns::count) <=
                      static_cast<int>(loss_target_columns::count),
              "one scratch layout serves every optimum problem");
constexpr int optimum_columns = loss_target_columns::count;

// One piece of a row of an optimum problem: the cells [x0, x0 + length) of its last axis (loss
// targets or budgets) at hardware h.
struct piece {
  std::int64_t h;
  std::int64_t x0;
  std::int64_t length;
};

// One thread's buffers: the law-dependent terms of a piece for each sample, [sample][cell].
struct piece_terms {
  std::vector<loss_target_terms> targets;
  std::vector<loss_target_bound> bounds; // under serving constraints: the bound of each target
  std::vector<budget_model> chinchilla;
};

void fill_terms(problem_kind optimum, const sweep_views& v, const sample_inputs& in,
                std::int64_t first_sample, std::int64_t samples, const piece& p, piece_terms& t) {
  const auto cells = static_cast<std::size_t>(samples * p.length);
  if (optimum == problem_kind::regret) {
    return; // its cells solve their two optima themselves (regret_sample_cell)
  }
  // The robust choice reads the same per-target terms as the loss-target optima.
  if (optimum == problem_kind::loss_target || optimum == problem_kind::robust) {
    t.targets.resize(cells);
    for (std::int64_t s = 0; s < samples; ++s) {
      const prepared_law& law = in.laws[static_cast<std::size_t>(first_sample + s)];
      for (std::int64_t j = 0; j < p.length; ++j) {
        t.targets[static_cast<std::size_t>(s * p.length + j)] =
            make_loss_target_terms(law, in.loss_targets[static_cast<std::size_t>(p.x0 + j)]);
      }
    }
    // The model on each target's bound depends on the law too (make_loss_target_bound).
    t.bounds.clear();
    if (v.serving_limits != nullptr) {
      t.bounds.resize(cells);
      for (std::int64_t s = 0; s < samples; ++s) {
        const prepared_law& law = in.laws[static_cast<std::size_t>(first_sample + s)];
        for (std::size_t c = static_cast<std::size_t>(s * p.length);
             c < static_cast<std::size_t>((s + 1) * p.length); ++c) {
          t.bounds[c] = make_loss_target_bound(law, t.targets[c], v.serving_limits[p.h]);
        }
      }
    }
  } else {
    t.chinchilla.resize(cells);
    for (std::int64_t s = 0; s < samples; ++s) {
      const prepared_law& law = in.laws[static_cast<std::size_t>(first_sample + s)];
      for (std::int64_t j = 0; j < p.length; ++j) {
        const std::int64_t b = p.x0 + j;
        t.chinchilla[static_cast<std::size_t>(s * p.length + j)] =
            budget_chinchilla(law, make_budget_terms(v.hardware[p.h], v.budget[b], v.ln_budget[b]));
      }
    }
  }
}

// The views that sample s (of those fill_terms filled, from `first`) gives the piece: its law,
// its terms, and the piece's hardware and last-axis values moved to index 0, so that a box of
// one row (0, t, 0..length) reads them.
sweep_views piece_views(const sweep_views& v, const sample_inputs& in, std::int64_t sample,
                        std::int64_t first, const piece& p, const piece_terms& t) {
  sweep_views out = v;
  out.law = in.laws[static_cast<std::size_t>(sample)];
  out.hardware = v.hardware + p.h;
  out.serving_limits = v.serving_limits != nullptr ? v.serving_limits + p.h : nullptr;
  out.loss_target_bounds = nullptr;
  const std::int64_t at = (sample - first) * p.length;
  if (!t.targets.empty()) {
    out.loss_targets = t.targets.data() + at;
  }
  if (!t.bounds.empty()) {
    out.loss_target_bounds = t.bounds.data() + at;
    out.loss_target_count = p.length;
  }
  if (!t.chinchilla.empty()) {
    out.budget = v.budget + p.x0;
    out.ln_budget = v.ln_budget + p.x0;
    out.budget_chinchilla = t.chinchilla.data() + at;
    out.budget_count = p.length;
  }
  return out;
}

// A sample-axis tile seen as [first][hardware][middle][last]: the middle merges the dimensions
// between hardware and the last axis (T; for the robust choice spread and T), so one item
// machinery serves boxes of rank 4 and 5. Middle index m (tile-local) is the row (spread, T) at
// grid indices middle_grid(m).
struct middle_axes {
  int rank;               // the tile box's
  std::int64_t count;     // the middle's cells: count[2] (rank 4), count[2] · count[3] (rank 5)
  std::int64_t inner;     // count[3] (rank 5), else 1
  std::int64_t offset[2]; // grid offsets of the merged dimensions
};

middle_axes middle_of(const tile_box& box) {
  if (box.rank == 4) {
    return {4, box.count[2], 1, {box.offset[2], 0}};
  }
  return {5, box.count[2] * box.count[3], box.count[3], {box.offset[2], box.offset[3]}};
}

// The grid indices of middle index m: T (rank 4), or (spread, T) / (T_plan, T) (rank 5).
struct middle_index {
  std::int64_t outer, inner;
};
middle_index middle_at(const middle_axes& mid, std::int64_t m) {
  if (mid.rank == 4) {
    return {mid.offset[0] + m, 0};
  }
  return {mid.offset[0] + m / mid.inner, mid.offset[1] + m % mid.inner};
}

// The one-row box of the optimum's own rank that piece_views' arrays read at middle index m
// (hardware and the last axis moved to index 0; T, and the spread, at their grid indices).
tile_box row_box(const middle_axes& mid, std::int64_t m, std::int64_t length) {
  tile_box b{};
  b.rank = mid.rank - 1;
  const middle_index at = middle_at(mid, m);
  b.offset[1] = at.outer;
  if (mid.rank == 5) {
    b.offset[2] = at.inner;
  }
  for (int d = 0; d < b.rank - 1; ++d) {
    b.count[d] = 1;
  }
  b.count[b.rank - 1] = length;
  return b;
}

// Columns starting `at` elements into `c` (an interior pointer of each column).
tile_columns shifted(const tile_columns& c, std::int64_t at, int f64_columns) {
  tile_columns out{};
  for (int k = 0; k < f64_columns; ++k) {
    out.f64[k] = c.f64[k] + at;
  }
  out.status = c.status != nullptr ? c.status + at : nullptr;
  return out;
}

// Work items over a sample-axis tile box (first dimension: quantile or sample): pieces of rows of
// at most `length` cells, and blocks of middle indices, enough of them for every thread.
struct item_grid {
  std::int64_t first_count; // samples (kept) or 1 (quantiles: one item serves every level)
  std::int64_t hardware;
  std::int64_t pieces;
  std::int64_t m_blocks;
  std::int64_t m_block;
  std::int64_t length;

  std::int64_t count() const { return first_count * hardware * pieces * m_blocks; }
};

item_grid items_of(const tile_box& box, const middle_axes& mid, std::int64_t first_count,
                   std::int64_t length, int threads) {
  const std::int64_t last = box.count[box.rank - 1];
  item_grid g{first_count, box.count[1], ceil_div(last, length), 1, mid.count, length};
  const std::int64_t wanted = 4 * static_cast<std::int64_t>(threads);
  if (g.count() < wanted) {
    g.m_blocks = std::min(mid.count, ceil_div(wanted, g.count()));
    g.m_block = ceil_div(mid.count, g.m_blocks);
    g.m_blocks = ceil_div(mid.count, g.m_block);
  }
  return g;
}

struct item {
  std::int64_t first;          // sample (kept samples) or 0, grid index
  piece p;                     // h and x0 in grid indices
  std::int64_t m_begin, m_end; // tile-local middle indices
};

item item_at(const item_grid& g, const tile_box& box, const middle_axes& mid, std::int64_t i) {
  const std::int64_t m_block = i % g.m_blocks;
  i /= g.m_blocks;
  const std::int64_t piece_index = i % g.pieces;
  i /= g.pieces;
  const std::int64_t h = i % g.hardware;
  const std::int64_t first = i / g.hardware;
  const std::int64_t x0 = piece_index * g.length;
  const std::int64_t m_begin = m_block * g.m_block;
  const int last = box.rank - 1;
  return {box.offset[0] + first,
          {box.offset[1] + h, box.offset[last] + x0, std::min(g.length, box.count[last] - x0)},
          m_begin,
          std::min(mid.count, m_begin + g.m_block)};
}

// Index in the tile of the cell (first, h, x: grid indices; m: tile-local middle index).
std::int64_t tile_index(const tile_box& box, const middle_axes& mid, std::int64_t first,
                        std::int64_t h, std::int64_t m, std::int64_t x) {
  const int last = box.rank - 1;
  return (((first - box.offset[0]) * box.count[1] + (h - box.offset[1])) * mid.count + m) *
             box.count[last] +
         (x - box.offset[last]);
}

// The row at middle index m of piece p under sample s's law, to `out` from element 0: the
// optimum's row segment through piece_views (SIMD lanes included) or, for the regret grid, its
// cells one by one (each solves the optima at T_plan and T under that law).
void solve_sample_row(problem_kind optimum, const sweep_views& v, const sample_inputs& in,
                      std::int64_t s, std::int64_t first, const piece& p, const piece_terms& terms,
                      const middle_axes& mid, std::int64_t m, const tile_columns& out, bool lanes) {
  if (optimum == problem_kind::regret) {
    const middle_index at = middle_at(mid, m);
    const prepared_law& law = in.laws[static_cast<std::size_t>(s)];
    for (std::int64_t j = 0; j < p.length; ++j) {
      regret_sample_cell(law, v, p.h, at.outer, at.inner,
                         in.loss_targets[static_cast<std::size_t>(p.x0 + j)], j, out);
    }
    return;
  }
  compute_optimum_segment(optimum, piece_views(v, in, s, first, p, terms),
                          row_box(mid, m, p.length), 0, 0, p.length, out, lanes);
}

// Kept samples: the optimum problem's cells with a leading sample dimension, computed in place.
void compute_samples_tile(problem_kind optimum, const sweep_views& v, const sample_inputs& in,
                          const tile_box& box, const tile_columns& out, int threads, bool lanes) {
  const middle_axes mid = middle_of(box);
  const item_grid g = items_of(box, mid, box.count[0],
                               std::min<std::int64_t>(box.count[box.rank - 1], 2048), threads);
#pragma omp parallel num_threads(threads)
  {
    piece_terms terms;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < g.count(); ++i) {
      const item it = item_at(g, box, mid, i);
      fill_terms(optimum, v, in, it.first, 1, it.p, terms);
      for (std::int64_t m = it.m_begin; m < it.m_end; ++m) {
        solve_sample_row(
            optimum, v, in, it.first, it.first, it.p, terms, mid, m,
            shifted(out, tile_index(box, mid, it.first, it.p.h, m, it.p.x0), optimum_columns),
            lanes);
      }
    }
  }
}

// The reduction of one piece (reduce_*_samples of cells/sample_quantiles.hpp), with a faster
// gather where every sample of every cell has an optimum (the usual case): each quantity is then
// a plain transpose into the cells' rows, with no per-value status test or running count.
template <class ForEachQuantity>
void reduce_piece(ForEachQuantity for_each_quantity, int fraction_column, const sample_piece& in,
                  const double* q, int count, const reduction_scratch& scratch,
                  const piece_quantiles_out& out, radix_quantiles& select) {
  const std::int64_t n = in.cells;
  const std::int64_t S = in.samples;
  const std::uint8_t* status = in.columns->status;
  bool every = true;
  for (std::int64_t i = 0; i < S * n && every; ++i) {
    every = sample_has_optimum(status[i]);
  }
  for_each_quantity(in.columns->f64, [&](auto value, int column) {
    if (every) {
      // In blocks of 32 samples: the block's rows (32 x n values) stay in L1 while each cell's
      // 32 values are written contiguously.
      constexpr std::int64_t block = 32;
      for (std::int64_t s0 = 0; s0 < S; s0 += block) {
        const std::int64_t s1 = std::min(S, s0 + block);
        for (std::int64_t j = 0; j < n; ++j) {
          for (std::int64_t s = s0; s < s1; ++s) {
            scratch.values[j * S + s] = value(s * in.stride + j);
          }
        }
      }
      for (std::int64_t j = 0; j < n; ++j) {
        scratch.counts[j] = S;
      }
    } else {
      gather_feasible(in, value, scratch);
    }
    select_feasible(in, q, count, scratch, out, column, select);
  });
  store_feasible_fraction(in, scratch, out, fraction_column);
}

// Quantiles: for each piece of cells, every sample's optimum into the thread's scratch, then
// each cell's reduction into the tile (quantile c of the cell at c · cells-per-level).
void compute_quantiles_tile(problem_kind kind, problem_kind optimum, const sweep_views& v,
                            const sample_inputs& in, const tile_box& box, const tile_columns& out,
                            int threads, bool lanes) {
  const auto S = static_cast<std::int64_t>(in.laws.size());
  const auto levels = static_cast<int>(in.quantiles.size());
  if (box.offset[0] != 0 || box.count[0] != levels) {
    throw error("internal error: a tile of quantiles that does not span every level");
  }
  const middle_axes mid = middle_of(box);
  const std::int64_t length = cells_per_piece(S, box.count[box.rank - 1]);
  const item_grid g = items_of(box, mid, 1, length, threads);
  const std::int64_t per_level = cell_count(box) / levels;
#pragma omp parallel num_threads(threads)
  {
    piece_terms terms;
    std::vector<double> f64(static_cast<std::size_t>(optimum_columns * S * length));
    std::vector<std::uint8_t> status(static_cast<std::size_t>(S * length));
    std::vector<double> values(static_cast<std::size_t>(S * length));
    std::vector<std::int64_t> counts(static_cast<std::size_t>(length));
    const reduction_scratch reduce{values.data(), counts.data()};
    radix_quantiles select;
    tile_columns scratch{};
    for (int k = 0; k < optimum_columns; ++k) {
      scratch.f64[k] = f64.data() + static_cast<std::size_t>(k * S * length);
    }
    scratch.status = status.data();
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < g.count(); ++i) {
      const item it = item_at(g, box, mid, i);
      const std::int64_t n = it.p.length;
      fill_terms(optimum, v, in, 0, S, it.p, terms);
      for (std::int64_t m = it.m_begin; m < it.m_end; ++m) {
        for (std::int64_t s = 0; s < S; ++s) {
          solve_sample_row(optimum, v, in, s, 0, it.p, terms, mid, m,
                           shifted(scratch, s * n, optimum_columns), lanes);
        }
        const sample_piece piece{&scratch, n, S, n};
        const piece_quantiles_out to{&out, tile_index(box, mid, 0, it.p.h, m, it.p.x0), per_level};
        const double* q = in.quantiles.data();
        if (kind == problem_kind::loss_target_quantiles) {
          reduce_piece(
              [](double* const* f, auto visit) { for_each_loss_target_quantity(f, visit); },
              loss_target_quantiles_columns::feasible_fraction, piece, q, levels, reduce, to,
              select);
        } else if (kind == problem_kind::robust_quantiles) {
          reduce_piece([](double* const* f, auto visit) { for_each_robust_quantity(f, visit); },
                       robust_quantiles_columns::feasible_fraction, piece, q, levels, reduce, to,
                       select);
        } else if (kind == problem_kind::regret_quantiles) {
          reduce_piece([](double* const* f, auto visit) { for_each_regret_quantity(f, visit); },
                       regret_quantiles_columns::feasible_fraction, piece, q, levels, reduce, to,
                       select);
        } else {
          reduce_piece([](double* const* f, auto visit) { for_each_budget_quantity(f, visit); },
                       budget_quantiles_columns::feasible_fraction, piece, q, levels, reduce, to,
                       select);
        }
      }
    }
  }
}

} // namespace

std::int64_t cells_per_piece(std::int64_t samples, std::int64_t row_cells) {
  constexpr std::int64_t cached = std::int64_t{1} << 15; // sample-cells that stay in the caches
  constexpr std::int64_t bound = std::int64_t{1} << 18;  // sample-cells a thread may hold
  constexpr std::int64_t shortest = 8;                   // cells worth a row segment's set-up
  const std::int64_t S = std::max<std::int64_t>(samples, 1);
  const std::int64_t length = std::max(cached / S, std::min(shortest, bound / S));
  return std::clamp<std::int64_t>(length, 1, std::max<std::int64_t>(row_cells, 1));
}

void compute_sample_tile(problem_kind kind, const sweep_views& views, const sample_inputs& samples,
                         const tile_box& box, const tile_columns& out, int threads, bool lanes) {
  if (!has_sample_axis(kind)) {
    throw error("internal error: a tile without a sample axis computed as one");
  }
  const problem_kind optimum = optimum_per_sample(kind);
  const int rank = optimum == problem_kind::robust || optimum == problem_kind::regret ? 5 : 4;
  if (box.rank != rank) {
    throw error("internal error: a sample-axis tile of rank " + std::to_string(box.rank) +
                " for a problem of rank " + std::to_string(rank));
  }
  if (!reduces_to_quantiles(kind)) {
    compute_samples_tile(optimum, views, samples, box, out, threads, lanes);
  } else {
    compute_quantiles_tile(kind, optimum, views, samples, box, out, threads, lanes);
  }
}

} // namespace scalesweep
