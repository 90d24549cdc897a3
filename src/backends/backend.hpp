// The compute backends (CPU/OpenMP and CUDA) behind one interface: fill tiles' columns.
#pragma once

#include "backends/host_tile.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>

namespace scalesweep {

// A backend computes tiles asynchronously where it can: submit() starts a tile, wait() returns
// when its values are in the host tile. The CUDA backend overlaps one tile's kernel with the
// previous tile's copy to the host; the CPU backend computes in submit(). One thread drives a
// backend. The plan passed at construction must outlive it.
class compute_backend {
public:
  virtual ~compute_backend() = default;
  compute_backend() = default;
  compute_backend(const compute_backend&) = delete;
  compute_backend& operator=(const compute_backend&) = delete;
  compute_backend(compute_backend&&) = delete;
  compute_backend& operator=(compute_backend&&) = delete;

  // "cpu", "cuda"
  virtual std::string kind() const = 0;
  // Human description: "cpu (2 OpenMP threads)", "cuda device 0 (NVIDIA H100 80GB HBM3)".
  virtual std::string description() const = 0;
  // Where host tiles should live for the fastest copies (pinned memory for CUDA).
  virtual std::pmr::memory_resource* host_memory() { return std::pmr::new_delete_resource(); }
  // Device memory the backend needs for tiles of `tile_bytes` (0 for the CPU).
  virtual std::int64_t device_bytes_for_tiles(std::int64_t /*tile_bytes*/) const { return 0; }

  virtual void submit(const problem_grid& problem, const tile_box& box, host_tile& out) = 0;
  virtual void wait(host_tile& out) = 0;
  // Waits for every submitted tile, ignoring errors: on an error path, before host tiles that
  // an asynchronous copy may still target are freed.
  virtual void drain() noexcept {}

  void compute(const problem_grid& problem, const tile_box& box, host_tile& out) {
    submit(problem, box, out);
    wait(out);
  }
};

enum class backend_choice { automatic, cpu, cuda };

// The choice a --backend flag names: "auto", "cpu" or "cuda" (input_error otherwise).
backend_choice backend_choice_named(const std::string& name);

// What `automatic` means on this machine: CUDA when a device is listed, else the CPU. A listed
// device that cannot be used (exclusive mode, a missing MIG instance) is chosen all the same, and
// its error ends the run; this is the one place that decides.
backend_choice resolve_backend_choice(backend_choice choice);

// The largest tiles worth making, per backend (runs and the benchmark default to these): beyond
// them per-tile overheads are already negligible, and smaller tiles stream sooner.
inline constexpr std::int64_t default_max_cpu_tile_cells = std::int64_t{1} << 22;
inline constexpr std::int64_t default_max_gpu_tile_cells = std::int64_t{1} << 24;

struct backend_options {
  backend_choice choice = backend_choice::automatic;
  int threads = 0; // CPU threads; 0: OpenMP's default
  int device = 0;  // CUDA device ordinal
};

// The backend for `plan` (its axes and terms are copied to the device once): the CPU, or
// make_cuda_backend (cuda_backend.hpp) with `device`; `automatic` as resolve_backend_choice says.
// Throws input_error for an impossible choice.
std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const backend_options& options);

// Throws input_error unless this build has CUDA and `device` is a usable device's ordinal: the
// checks behind --backend cuda, for sweeps (make_cuda_backend) and fits (fit_runner) alike.
void require_cuda_device(int device);

std::unique_ptr<compute_backend> make_cpu_backend(const sweep_plan& plan, int threads);

} // namespace scalesweep
