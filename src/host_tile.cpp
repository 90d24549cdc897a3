// Host buffers of a tile's output columns.
#include "scalesweep/host_tile.hpp"

namespace scalesweep {

host_tile::host_tile(const problem_plan& problem) {
  m_capacity = 1;
  for (std::int64_t t : problem.tile_shape) {
    m_capacity *= t;
  }
  const auto n = static_cast<std::size_t>(m_capacity);
  m_f64.assign(static_cast<std::size_t>(problem.f64_outputs()), std::vector<double>(n));
  if (problem.has_status()) {
    m_status.assign(n, 0);
  }
}

tile_columns host_tile::columns() {
  tile_columns c{};
  for (std::size_t i = 0; i < m_f64.size(); ++i) {
    c.f64[i] = m_f64[i].data();
  }
  c.status = m_status.empty() ? nullptr : m_status.data();
  return c;
}

} // namespace scalesweep
