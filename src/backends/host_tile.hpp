// Host memory for one tile's output columns: one block from a memory resource (pinned for CUDA).
#pragma once

#include "scalesweep/cells/sweep_views.hpp"

#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <memory_resource>

namespace scalesweep {

class host_tile {
public:
  host_tile() = default;
  // Room for the largest tile of `problem`; `memory` must outlive the tile.
  explicit host_tile(const problem_grid& problem,
                     std::pmr::memory_resource* memory = std::pmr::new_delete_resource());
  host_tile(host_tile&& other) noexcept;
  host_tile& operator=(host_tile&& other) noexcept;
  host_tile(const host_tile&) = delete;
  host_tile& operator=(const host_tile&) = delete;
  ~host_tile();

  // Column pointers for cell functions; valid while this object lives.
  tile_columns columns() const;
  const double* f64(int column) const { return columns().f64[column]; }
  const std::uint8_t* status() const { return columns().status; }
  std::int64_t capacity() const { return m_capacity; }
  std::size_t bytes() const { return m_bytes; }

  // Bytes of a tile buffer for `problem` (what host_tile allocates), for memory planning.
  static std::size_t bytes_for(const problem_grid& problem);

private:
  void release() noexcept;

  std::pmr::memory_resource* m_memory = nullptr;
  void* m_block = nullptr;
  std::size_t m_bytes = 0;
  std::int64_t m_capacity = 0;
  int m_f64_columns = 0;
  bool m_has_status = false;
};

} // namespace scalesweep
