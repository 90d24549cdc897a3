// Allocating a problem's host tiles once for the whole problem.
#include "run/host_tile_pool.hpp"

#include <algorithm>

namespace scalesweep {

host_tile_pool::host_tile_pool(const problem_grid& problem, std::pmr::memory_resource* memory,
                               int in_flight, std::size_t tiles) {
  const int count = std::min<int>(in_flight, static_cast<int>(tiles) + 1);
  m_tiles.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    m_tiles.emplace_back(problem, memory);
  }
}

std::vector<host_tile*> host_tile_pool::tiles() {
  std::vector<host_tile*> all;
  all.reserve(m_tiles.size());
  for (host_tile& t : m_tiles) {
    all.push_back(&t);
  }
  return all;
}

} // namespace scalesweep
