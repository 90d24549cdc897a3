// Host memory for one tile's output columns, shaped for the largest tile of a problem.
#pragma once

#include "scalesweep/problem_cells.hpp"
#include "scalesweep/sweep_plan.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

class host_tile {
public:
  host_tile() = default;
  explicit host_tile(const problem_plan& problem);

  // Column pointers for cell functions; valid while this object lives and is not resized.
  tile_columns columns();
  const double* f64(int column) const { return m_f64[static_cast<std::size_t>(column)].data(); }
  const std::uint8_t* status() const { return m_status.data(); }
  std::int64_t capacity() const { return m_capacity; }

private:
  std::int64_t m_capacity = 0;
  std::vector<std::vector<double>> m_f64;
  std::vector<std::uint8_t> m_status;
};

} // namespace scalesweep
