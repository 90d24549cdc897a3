// The CUDA backend's device side behind plain C++ (no CUDA types, nothing host-only): the host
// backend (cuda_backend.cpp, built by g++) hands it the arrays the cells read and the tiles to
// compute; cuda_engine.cu owns the device's memory, streams and events.
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/sweep_terms.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

namespace scalesweep::cuda {

// The values of the axes the cells read, on the host (an absent axis is empty).
struct sweep_axis_values {
  std::vector<double> T;
  std::vector<double> N;
  std::vector<double> D;
  std::vector<double> budget;
};

// A problem as the device sees it: its kernel and the columns it fills.
struct problem_columns {
  problem_kind kind;
  int f64_columns;
  bool has_status;
};

// Sample-cells whose optima a slot holds at once for a quantile problem's reduction: 97 bytes
// each (twelve doubles and a status), a gathered and a sorted value, a count and a segment's two
// ends (40 bytes), about 140 MiB per slot with the sort's temporary storage.
inline constexpr std::int64_t sample_scratch_cells = std::int64_t{1} << 20;

// Two slots (stream, device columns, event) alternate, so that one tile's kernel overlaps the
// previous tile's copy back to the host.
class tile_engine {
public:
  // Makes `device` current (its streams, events and buffers are created there), copies the axes
  // and their terms to it and makes each slot `slot_bytes` large: the largest tile, columns packed
  // one after another. keep_on_device (benchmarks only): results stay on the device, host columns
  // unfilled. `samples` (empty without [law] samples): the sample axis' laws and levels, and each
  // slot gets the scratch of sample_scratch_cells sample-cells its quantile problems reduce from.
  tile_engine(int device, const sweep_axis_values& axes, const sweep_terms& terms,
              const sample_inputs& samples, std::size_t slot_bytes, bool keep_on_device);
  ~tile_engine();
  tile_engine(const tile_engine&) = delete;
  tile_engine& operator=(const tile_engine&) = delete;
  tile_engine(tile_engine&&) = delete;
  tile_engine& operator=(tile_engine&&) = delete;

  int device() const;
  // Page-locked host memory on this device, for host columns that copies reach asynchronously.
  std::pmr::memory_resource* host_memory();
  std::size_t slot_count() const;

  // Starts computing `box` into the host columns `out`. `owner` identifies `out` for wait();
  // `label` names the tile in errors. A slot's previous tile is waited for before its reuse.
  void submit(const problem_columns& problem, const tile_box& box, const tile_columns& out,
              const void* owner, const std::string& label);
  // Returns once the tiles submitted for `owner` are in its host columns.
  void wait(const void* owner);
  // Waits for every slot, ignoring errors (error paths).
  void drain() noexcept;

private:
  struct state;
  std::unique_ptr<state> m_state;
};

} // namespace scalesweep::cuda
