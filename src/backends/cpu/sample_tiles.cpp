// CPU tiles of the sample axis: each sample's optima through the plain problems' row segments
// (SIMD lanes included) with the sample's law, then, for quantiles, a per-cell reduction.
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
                  static_cast<int>(budget_columns::count),
              "one scratch layout serves both optimum problems");
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
  if (optimum == problem_kind::loss_target) {
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

tile_box row_box(std::int64_t t, std::int64_t length) {
  tile_box b{};
  b.rank = 3;
  b.offset[1] = t;
  b.count[0] = 1;
  b.count[1] = 1;
  b.count[2] = length;
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

// Work items over a rank-4 tile box (first dimension: quantile or sample): pieces of rows of at
// most `length` cells, and blocks of T values, enough of them for every thread.
struct item_grid {
  std::int64_t first_count; // samples (kept) or 1 (quantiles: one item serves every level)
  std::int64_t hardware;
  std::int64_t pieces;
  std::int64_t t_blocks;
  std::int64_t t_block;
  std::int64_t length;

  std::int64_t count() const { return first_count * hardware * pieces * t_blocks; }
};

item_grid items_of(const tile_box& box, std::int64_t first_count, std::int64_t length,
                   int threads) {
  item_grid g{first_count, box.count[1], ceil_div(box.count[3], length), 1, box.count[2], length};
  const std::int64_t wanted = 4 * static_cast<std::int64_t>(threads);
  if (g.count() < wanted) {
    g.t_blocks = std::min(box.count[2], ceil_div(wanted, g.count()));
    g.t_block = ceil_div(box.count[2], g.t_blocks);
    g.t_blocks = ceil_div(box.count[2], g.t_block);
  }
  return g;
}

struct item {
  std::int64_t first; // sample (kept samples) or 0
  piece p;            // h and x0 in grid indices
  std::int64_t t_begin, t_end;
};

item item_at(const item_grid& g, const tile_box& box, std::int64_t i) {
  const std::int64_t t_block = i % g.t_blocks;
  i /= g.t_blocks;
  const std::int64_t piece_index = i % g.pieces;
  i /= g.pieces;
  const std::int64_t h = i % g.hardware;
  const std::int64_t first = i / g.hardware;
  const std::int64_t x0 = piece_index * g.length;
  const std::int64_t t_begin = t_block * g.t_block;
  return {box.offset[0] + first,
          {box.offset[1] + h, box.offset[3] + x0, std::min(g.length, box.count[3] - x0)},
          box.offset[2] + t_begin,
          box.offset[2] + std::min(box.count[2], t_begin + g.t_block)};
}

// Index in the tile of cell (first, h, t, x) (grid indices) of the box.
std::int64_t tile_index(const tile_box& box, std::int64_t first, std::int64_t h, std::int64_t t,
                        std::int64_t x) {
  return (((first - box.offset[0]) * box.count[1] + (h - box.offset[1])) * box.count[2] +
          (t - box.offset[2])) *
             box.count[3] +
         (x - box.offset[3]);
}

// Kept samples: the optimum problem's cells with a leading sample dimension, computed in place.
void compute_samples_tile(problem_kind optimum, const sweep_views& v, const sample_inputs& in,
                          const tile_box& box, const tile_columns& out, int threads, bool lanes) {
  const item_grid g =
      items_of(box, box.count[0], std::min<std::int64_t>(box.count[3], 2048), threads);
#pragma omp parallel num_threads(threads)
  {
    piece_terms terms;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < g.count(); ++i) {
      const item it = item_at(g, box, i);
      fill_terms(optimum, v, in, it.first, 1, it.p, terms);
      const sweep_views pv = piece_views(v, in, it.first, it.first, it.p, terms);
      for (std::int64_t t = it.t_begin; t < it.t_end; ++t) {
        compute_optimum_segment(
            optimum, pv, row_box(t, it.p.length), 0, 0, it.p.length,
            shifted(out, tile_index(box, it.first, it.p.h, t, it.p.x0), optimum_columns), lanes);
      }
    }
  }
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
  const std::int64_t length = std::clamp<std::int64_t>(sample_cells_per_piece / S, 1, box.count[3]);
  const item_grid g = items_of(box, 1, length, threads);
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
      const item it = item_at(g, box, i);
      const std::int64_t n = it.p.length;
      fill_terms(optimum, v, in, 0, S, it.p, terms);
      for (std::int64_t t = it.t_begin; t < it.t_end; ++t) {
        for (std::int64_t s = 0; s < S; ++s) {
          compute_optimum_segment(optimum, piece_views(v, in, s, 0, it.p, terms), row_box(t, n), 0,
                                  0, n, shifted(scratch, s * n, optimum_columns), lanes);
        }
        const sample_piece piece{&scratch, n, S, n};
        const piece_quantiles_out to{&out, tile_index(box, 0, it.p.h, t, it.p.x0), per_level};
        if (kind == problem_kind::loss_target_quantiles) {
          reduce_loss_target_samples(piece, in.quantiles.data(), levels, reduce, to, select);
        } else {
          reduce_budget_samples(piece, in.quantiles.data(), levels, reduce, to, select);
        }
      }
    }
  }
}

} // namespace

void compute_sample_tile(problem_kind kind, const sweep_views& views, const sample_inputs& samples,
                         const tile_box& box, const tile_columns& out, int threads, bool lanes) {
  if (box.rank != 4) {
    throw error("internal error: a sample-axis tile of rank " + std::to_string(box.rank));
  }
  if (!has_sample_axis(kind)) {
    throw error("internal error: a tile without a sample axis computed as one");
  }
  const problem_kind optimum = optimum_per_sample(kind);
  if (!reduces_to_quantiles(kind)) {
    compute_samples_tile(optimum, views, samples, box, out, threads, lanes);
  } else {
    compute_quantiles_tile(kind, optimum, views, samples, box, out, threads, lanes);
  }
}

} // namespace scalesweep
