// Broadcast arrays of cells on the CPU: per-value terms once per distinct input (as a sweep
// computes them once per axis value), then rows along the last dimension, cut into segments
// that OpenMP threads share, each on the SIMD lanes (lane_cells.hpp) where the CPU has them.
#include "backends/cpu/cell_arrays.hpp"

#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/error.hpp"

#include "backends/cpu/lane_cells.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

namespace scalesweep {

namespace {

// As the CPU backend's segments: long enough that a row's setup is noise, short enough to share.
constexpr std::int64_t segment_cells = 2048;

// The cells' shape without its length-1 dimensions (which index nothing), and each input's
// strides along what remains; a single cell is one row of one.
struct cell_layout {
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides[2];
  std::int64_t cells = 1;

  cell_layout(const std::vector<std::int64_t>& full_shape, const broadcast_array& a,
              const broadcast_array& b, const char* a_name) {
    const broadcast_array* inputs[2] = {&a, &b};
    const char* names[2] = {a_name, "T"};
    for (int k = 0; k < 2; ++k) {
      const broadcast_array& in = *inputs[k];
      if (in.strides.size() != full_shape.size()) {
        throw input_error(std::string(names[k]) + ": " + std::to_string(in.strides.size()) +
                          " strides for a shape of " + std::to_string(full_shape.size()) +
                          " dimensions");
      }
    }
    for (std::size_t d = 0; d < full_shape.size(); ++d) {
      if (full_shape[d] < 0) {
        throw input_error("a negative length in the cells' shape");
      }
      cells *= full_shape[d];
      if (full_shape[d] != 1) {
        shape.push_back(full_shape[d]);
        for (int k = 0; k < 2; ++k) {
          strides[k].push_back(inputs[k]->strides[d]);
        }
      }
    }
    if (shape.empty()) {
      shape.push_back(1);
      strides[0].push_back(0);
      strides[1].push_back(0);
    }
    for (int k = 0; k < 2 && cells > 0; ++k) {
      // The last cell reads the farthest value: every read stays inside the caller's array.
      std::int64_t last = 0;
      for (std::size_t d = 0; d < shape.size(); ++d) {
        if (strides[k][d] < 0) {
          throw input_error(std::string(names[k]) + ": negative strides are not supported");
        }
        last += (shape[d] - 1) * strides[k][d];
      }
      if (last >= inputs[k]->count) {
        throw input_error(std::string(names[k]) + ": strides reach past its " +
                          std::to_string(inputs[k]->count) + " values");
      }
    }
  }

  std::int64_t row_length() const { return shape.back(); }
  std::int64_t rows() const { return cells / row_length(); }

  // Where row `row`'s first cell reads input k.
  std::int64_t row_offset(int k, std::int64_t row) const {
    std::int64_t offset = 0;
    for (std::size_t d = shape.size() - 1; d-- > 0;) {
      offset += (row % shape[d]) * strides[k][d];
      row /= shape[d];
    }
    return offset;
  }
};

int thread_count(int threads) {
  return threads > 0 ? threads : omp_get_max_threads();
}

// f(e) for each of the `count` values of an input, in parallel: the per-value terms.
template <class Out, class F>
std::vector<Out> per_value(const broadcast_array& in, int threads, F f) {
  std::vector<Out> out(static_cast<std::size_t>(in.count));
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t e = 0; e < in.count; ++e) {
    out[static_cast<std::size_t>(e)] = f(in.values[e]);
  }
  return out;
}

// A run of cells along one row: which values of each input (0: the target, 1: T) they read, and
// where they are stored.
struct segment {
  std::int64_t first;   // the first cell, row-major in the cells' shape
  std::int64_t n;       // cells
  std::int64_t at[2];   // per input, the index of the first cell's value
  std::int64_t step[2]; // per input, its stride along the row

  std::size_t value(int input, std::size_t j) const {
    return static_cast<std::size_t>(at[input] + static_cast<std::int64_t>(j) * step[input]);
  }
  std::int64_t cell(std::size_t j) const { return first + static_cast<std::int64_t>(j); }
  std::size_t size() const { return static_cast<std::size_t>(n); }
};

// solve(segment) over every row segment, shared among the threads.
template <class Solve>
void for_each_segment(const cell_layout& layout, int threads, const Solve& solve) {
  if (layout.cells == 0) {
    return;
  }
  const std::int64_t length = layout.row_length();
  const std::int64_t per_row = (length + segment_cells - 1) / segment_cells;
  const std::int64_t items = layout.rows() * per_row;
  const std::int64_t step[2] = {layout.strides[0].back(), layout.strides[1].back()};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t item = 0; item < items; ++item) {
    const std::int64_t row = item / per_row;
    const std::int64_t begin = (item % per_row) * segment_cells;
    solve(segment{
        row * length + begin,
        std::min(segment_cells, length - begin),
        {layout.row_offset(0, row) + begin * step[0], layout.row_offset(1, row) + begin * step[1]},
        {step[0], step[1]}});
  }
}

// What both problems set up alike: the layout, the thread count, each T value's demand, and
// whether the lanes run.
struct cell_setup {
  cell_layout layout;
  int threads;
  std::vector<demand> demands;
  bool lanes;

  cell_setup(const std::vector<std::int64_t>& shape, const broadcast_array& target,
             const broadcast_array& T, const char* target_name, const hardware_terms& h,
             int thread_limit)
      : layout(shape, target, T, target_name), threads(thread_count(thread_limit)),
        demands(per_value<demand>(T, threads,
                                  [&](double t) { return make_demand(h, t, demand_log(t)); })),
        lanes(simd::lanes_available()) {}
};

} // namespace

void loss_target_cell_arrays(const prepared_law& law, const hardware_terms& hardware,
                             const serving_limit* limit, const std::vector<std::int64_t>& shape,
                             const broadcast_array& loss, const broadcast_array& T,
                             const tile_columns& out, int threads) {
  using rows = problem_rows<problem_kind::loss_target>;
  const cell_setup c(shape, loss, T, "loss", hardware, threads);
  const std::vector<loss_target_terms> targets = per_value<loss_target_terms>(
      loss, c.threads, [&](double l) { return make_loss_target_terms(law, l); });
  // Under a serving limit, each target's model on the bound (as a sweep's per-axis terms).
  std::vector<loss_target_bound> bounds;
  if (limit != nullptr) {
    bounds.reserve(targets.size());
    for (const loss_target_terms& target : targets) {
      bounds.push_back(make_loss_target_bound(law, target, *limit));
    }
  }
  for_each_segment(c.layout, c.threads, [&](const segment& s) {
    loss_target_cells(
        law, hardware, s.size(),
        [&](std::size_t j) -> const loss_target_terms& { return targets[s.value(0, j)]; },
        [&](std::size_t j) -> const demand& { return c.demands[s.value(1, j)]; },
        [&](std::size_t j) -> const loss_target_bound* {
          return bounds.empty() ? nullptr : &bounds[s.value(0, j)];
        },
        [&](std::size_t j, const loss_target_result& x) { rows::store(x, s.cell(j), out); },
        c.lanes);
  });
}

void budget_cell_arrays(const prepared_law& law, const hardware_terms& hardware,
                        const serving_limit* limit, const std::vector<std::int64_t>& shape,
                        const broadcast_array& budget, const broadcast_array& T,
                        const tile_columns& out, int threads) {
  using rows = problem_rows<problem_kind::budget>;
  const cell_setup c(shape, budget, T, "budget", hardware, threads);
  const std::vector<budget_terms> terms = per_value<budget_terms>(
      budget, c.threads, [&](double b) { return make_budget_terms(hardware, b, budget_log(b)); });
  std::vector<budget_model> chinchilla(terms.size());
  for (std::size_t e = 0; e < terms.size(); ++e) {
    chinchilla[e] = budget_chinchilla(law, terms[e]);
  }
  for_each_segment(c.layout, c.threads, [&](const segment& s) {
    budget_cells(
        law, hardware, limit, s.size(), [&](std::size_t j) { return terms[s.value(0, j)]; },
        [&](std::size_t j) -> const budget_model& { return chinchilla[s.value(0, j)]; },
        [&](std::size_t j) -> const demand& { return c.demands[s.value(1, j)]; },
        [&](std::size_t j, const budget_result& x) { rows::store(x, s.cell(j), out); }, c.lanes);
  });
}

} // namespace scalesweep
