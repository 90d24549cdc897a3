// Host buffers of a tile's output columns, carved from one allocation.
#include "backends/host_tile.hpp"

#include <utility>

namespace scalesweep {

namespace {
std::int64_t tile_capacity(const problem_grid& problem) {
  std::int64_t n = 1;
  for (std::int64_t t : problem.tile_shape) {
    n *= t;
  }
  return n;
}
} // namespace

std::size_t host_tile::bytes_for(const problem_grid& problem) {
  const auto cells = static_cast<std::size_t>(tile_capacity(problem));
  return cells * (sizeof(double) * static_cast<std::size_t>(problem.f64_outputs()) +
                  (problem.has_status() ? 1 : 0));
}

host_tile::host_tile(const problem_grid& problem, std::pmr::memory_resource* memory)
    : m_memory(memory), m_bytes(bytes_for(problem)), m_capacity(tile_capacity(problem)),
      m_f64_columns(static_cast<int>(problem.f64_outputs())), m_has_status(problem.has_status()) {
  m_block = m_memory->allocate(m_bytes, alignof(double));
}

host_tile::host_tile(host_tile&& other) noexcept
    : m_memory(other.m_memory), m_block(std::exchange(other.m_block, nullptr)),
      m_bytes(std::exchange(other.m_bytes, 0)), m_capacity(std::exchange(other.m_capacity, 0)),
      m_f64_columns(other.m_f64_columns), m_has_status(other.m_has_status) {}

host_tile& host_tile::operator=(host_tile&& other) noexcept {
  if (this != &other) {
    release();
    m_memory = other.m_memory;
    m_block = std::exchange(other.m_block, nullptr);
    m_bytes = std::exchange(other.m_bytes, 0);
    m_capacity = std::exchange(other.m_capacity, 0);
    m_f64_columns = other.m_f64_columns;
    m_has_status = other.m_has_status;
  }
  return *this;
}

host_tile::~host_tile() {
  release();
}

void host_tile::release() noexcept {
  if (m_block != nullptr) {
    m_memory->deallocate(m_block, m_bytes, alignof(double));
    m_block = nullptr;
  }
}

tile_columns host_tile::columns() const {
  tile_columns c{};
  auto* f64 = static_cast<double*>(m_block);
  for (int i = 0; i < m_f64_columns; ++i) {
    c.f64[i] = f64 + static_cast<std::ptrdiff_t>(i) * m_capacity;
  }
  c.status = m_has_status ? reinterpret_cast<std::uint8_t*>(
                                f64 + static_cast<std::ptrdiff_t>(m_f64_columns) * m_capacity)
                          : nullptr;
  return c;
}

} // namespace scalesweep
