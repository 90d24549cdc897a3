// Shared by the backend tests: a plan exercising every problem and a runner that gathers every
// output of every tile into grid order.
#pragma once

#include "scalesweep/backend.hpp"
#include "scalesweep/config.hpp"
#include "scalesweep/sweep_plan.hpp"

#include <cstdint>
#include <cstring>
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
[axes]
N = { log10 = [7, 13], points = 37 }
D = { log10 = [8, 15], points = 29 }
T = { values = [0, 1e6, 1e10, 1e13, 1e16] }
loss_target = { linear = [1.7, 3.0], points = 53 }
budget = { log10 = [2, 9], points = 31 }
[output]
chunk_cells = TILE
)";

inline sweep_plan plan_with_tiles(std::int64_t tile_cells) {
  std::string text = config_text;
  text.replace(text.find("TILE"), 4, std::to_string(tile_cells));
  return make_plan(parse_config(text, "agreement.toml"));
}

// Every output of every problem, in grid row-major order, as doubles (status as its code).
inline std::vector<std::vector<double>> compute_all(const sweep_plan& plan,
                                                    compute_backend& backend) {
  std::vector<std::vector<double>> out;
  for (const problem_plan& p : plan.problems) {
    std::vector<std::vector<double>> vars(p.outputs.size(),
                                          std::vector<double>(static_cast<std::size_t>(p.cells())));
    host_tile tile(p);
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      const tile_box box = p.tile(t);
      backend.compute(p, box, tile);
      for (std::int64_t i = 0; i < cell_count(box); ++i) {
        std::int64_t g[max_rank];
        grid_index(box, i, g);
        std::int64_t flat = 0;
        for (int d = 0; d < box.rank; ++d) {
          flat = flat * p.shape[static_cast<std::size_t>(d)] + g[d];
        }
        std::int64_t f = 0;
        for (std::size_t v = 0; v < p.outputs.size(); ++v) {
          vars[v][static_cast<std::size_t>(flat)] = p.outputs[v].type == value_type::f64
                                                        ? tile.f64(static_cast<int>(f++))[i]
                                                        : static_cast<double>(tile.status()[i]);
        }
      }
    }
    for (auto& v : vars) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

inline bool same_bits(double a, double b) {
  std::uint64_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof a);
  std::memcpy(&y, &b, sizeof b);
  return x == y;
}

} // namespace scalesweep::harness
