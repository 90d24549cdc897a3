// The host tiles of one problem in flight between the compute and writer threads: a fixed number
// whatever the grid size, allocated once from the backend's memory (pinned for CUDA).
#pragma once

#include "backends/host_tile.hpp"
#include "plan/sweep_plan.hpp"

#include <cstddef>
#include <memory_resource>
#include <vector>

namespace scalesweep {

class host_tile_pool {
public:
  // `in_flight` tiles sized for `problem`, or fewer for a rank with few tiles to compute (at
  // most `tiles` + 1).
  host_tile_pool(const problem_grid& problem, std::pmr::memory_resource* memory, int in_flight,
                 std::size_t tiles);

  std::size_t size() const { return m_tiles.size(); }
  // Every tile of the pool, to hand to a round_queue as its free tiles.
  std::vector<host_tile*> tiles();

private:
  std::vector<host_tile> m_tiles;
};

} // namespace scalesweep
