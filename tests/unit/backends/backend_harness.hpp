// Shared by the backend tests: a plan exercising every problem (implied_T and regret included by
// name, the robust choice by its spread axis) and a
// runner that gathers every output of every tile into grid order. Scenarios a and b share their
// training side and differ in serving; c trains on other hardware, so per-scenario tables (k_train)
// cannot be confused.
#pragma once

#include "backends/backend.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalesweep::harness {

inline const char* config_text = R"(
[law]
preset = "epoch2024"
[objective]
kind = "usd"
[[hardware]]
name = "a"
preset = "sardana2024-default"
[[hardware]]
name = "b"
preset = "h100-train-l40s-serve"
[[hardware]]
name = "c"
preset = "h200-fp8"
[axes]
N = { log10 = [7, 13], points = N_POINTS }
D = { log10 = [8, 15], points = D_POINTS }
T = { values = [0, 1e6, 1e10, 1e13, 1e16] }
loss_target = { linear = [1.7, 3.0], points = LOSS_POINTS }
budget = { log10 = [2, 9], points = BUDGET_POINTS }
spread = { values = [1, 3, 100] }
[output]
chunk_cells = TILE
dense = ["loss", "cost", "budget_curve", "implied_T", "regret"]
)";

// Axis lengths of the test grid. The defaults give rows (the innermost axis of each problem)
// shorter than a CUDA block; long_rows() rows that span several of a kernel's segments.
struct grid_points {
  std::int64_t N = 37, D = 29, loss_target = 53, budget = 31;

  static grid_points long_rows() { return {37, 5000, 1500, 1500}; }
};

// Serving constraints for the plan (SPEC §5.2): memory on one GPU and a latency target, so that
// the memory bound sets N_max on some scenarios and the latency bound on others, and both bind
// on part of the loss targets and budgets (the low losses, the large budgets).
inline const char* constraints_text = R"(
[constraints]
memory = true
max_seconds_per_token = 0.02
)";

// `count` laws for a sweep under law samples: epoch2024's constants each moved by up to ±5 %,
// deterministically from `seed` (an LCG: the tests need spread, not statistics).
inline std::vector<scaling_law> synthetic_laws(int count, std::uint64_t seed) {
  std::uint64_t state = seed;
  const auto moved = [&state](double x) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) * 0x1.0p-53; // [0, 1)
    return x * (0.95 + 0.1 * u);
  };
  const scaling_law base{1.81686, 482.00572, 2085.4342, 0.34781, 0.36585};
  std::vector<scaling_law> laws;
  for (int s = 0; s < count; ++s) {
    laws.push_back(
        {moved(base.E), moved(base.A), moved(base.B), moved(base.alpha), moved(base.beta)});
  }
  return laws;
}

inline sweep_plan plan_with_tiles(std::int64_t tile_cells, const grid_points& points = {},
                                  const std::string& extra = {}) {
  std::string text = config_text + extra;
  const auto set = [&](const std::string& key, std::int64_t value) {
    text.replace(text.find(key), key.size(), std::to_string(value));
  };
  set("N_POINTS", points.N);
  set("D_POINTS", points.D);
  set("LOSS_POINTS", points.loss_target);
  set("BUDGET_POINTS", points.budget);
  set("TILE", tile_cells);
  return make_plan(parse_config(text, "agreement.toml"));
}

// Where the variables of the plan's problem of this kind start among compute_all's (which lists
// every problem's variables in the plan's order).
inline std::size_t first_column_of(const sweep_plan& plan, problem_kind kind) {
  std::size_t column = 0;
  for (const problem_grid& p : plan.problems) {
    if (p.kind == kind) {
      return column;
    }
    column += p.outputs.size();
  }
  throw std::logic_error("the harness's plan has no problem of that kind");
}

// Copies a computed tile's outputs into per-variable grids (row-major over the problem's shape).
inline void gather_tile(const problem_grid& p, const tile_box& box, const host_tile& tile,
                        std::vector<std::vector<double>>& vars) {
  for (std::int64_t i = 0; i < cell_count(box); ++i) {
    std::int64_t g[max_rank];
    grid_index(box, i, g);
    std::int64_t flat = 0;
    for (int d = 0; d < box.rank; ++d) {
      flat = flat * p.shape[static_cast<std::size_t>(d)] + g[d];
    }
    std::int64_t f = 0;
    for (std::size_t v = 0; v < p.outputs.size(); ++v) {
      double value = p.outputs[v].type == value_type::f64 ? tile.f64(static_cast<int>(f++))[i]
                                                          : static_cast<double>(tile.status()[i]);
      // A variable without the first dimension (a quantile problem's feasible fraction) is
      // written for the first level's cells only; the others hold nothing.
      if (p.outputs[v].without_first_dim && g[0] != 0) {
        value = std::nan("");
      }
      vars[v][static_cast<std::size_t>(flat)] = value;
    }
  }
}

// Every output of every problem, in grid row-major order, as doubles (status as its code):
// `fill(p, vars)` computes problem p's tiles into its per-variable grids.
template <class Fill>
std::vector<std::vector<double>> gather_all(const sweep_plan& plan, Fill fill) {
  std::vector<std::vector<double>> out;
  for (const problem_grid& p : plan.problems) {
    std::vector<std::vector<double>> vars(p.outputs.size(),
                                          std::vector<double>(static_cast<std::size_t>(p.cells())));
    fill(p, vars);
    for (auto& v : vars) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

// One tile at a time: compute() submits and waits.
inline std::vector<std::vector<double>> compute_all(const sweep_plan& plan,
                                                    compute_backend& backend) {
  return gather_all(plan, [&](const problem_grid& p, std::vector<std::vector<double>>& vars) {
    host_tile tile(p);
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      const tile_box box = p.tile(t);
      backend.compute(p, box, tile);
      gather_tile(p, box, tile, vars);
    }
  });
}

// The same as the run's pipeline drives a backend: tile t + 1 is submitted before tile t is
// waited for, into host tiles from the backend's own memory resource (pinned for CUDA).
inline std::vector<std::vector<double>> compute_all_overlapped(const sweep_plan& plan,
                                                               compute_backend& backend) {
  return gather_all(plan, [&](const problem_grid& p, std::vector<std::vector<double>>& vars) {
    std::vector<host_tile> tiles;
    tiles.emplace_back(p, backend.host_memory());
    tiles.emplace_back(p, backend.host_memory());
    std::vector<tile_box> boxes(static_cast<std::size_t>(p.tile_count()));
    const auto finish = [&](std::int64_t t) {
      host_tile& tile = tiles[static_cast<std::size_t>(t % 2)];
      backend.wait(tile);
      gather_tile(p, boxes[static_cast<std::size_t>(t)], tile, vars);
    };
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      boxes[static_cast<std::size_t>(t)] = p.tile(t);
      backend.submit(p, boxes[static_cast<std::size_t>(t)], tiles[static_cast<std::size_t>(t % 2)]);
      if (t > 0) {
        finish(t - 1);
      }
    }
    if (p.tile_count() > 0) {
      finish(p.tile_count() - 1);
    }
  });
}

inline bool same_bits(double a, double b) {
  std::uint64_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof a);
  std::memcpy(&y, &b, sizeof b);
  return x == y;
}

} // namespace scalesweep::harness
