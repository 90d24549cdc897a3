// The CUDA backend on the host side (g++): turns the plan into the plain arrays and problem
// columns the tile engine (cuda_engine.cu) takes, so that nothing host-only reaches nvcc.
#include "backends/cuda/cuda_backend.hpp"

#include "scalesweep/error.hpp"

#include "cuda_device.hpp"
#include "cuda_engine.hpp"
#include "plan/sweep_terms.hpp"

#include <string>
#include <vector>

namespace scalesweep::cuda {

namespace {

// The values of the axes the cells read, as the engine copies them to the device.
sweep_axis_values axis_values_of(const sweep_plan& plan) {
  const auto values = [&](axis_id id) {
    const axis* a = plan.find_axis(id);
    return a ? a->values : std::vector<double>();
  };
  return {values(axis_id::T), values(axis_id::N), values(axis_id::D), values(axis_id::budget)};
}

std::string describe_tile(const problem_grid& problem, const tile_box& box) {
  std::string offset, count;
  for (int d = 0; d < box.rank; ++d) {
    offset += (d > 0 ? "," : "") + std::to_string(box.offset[d]);
    count += (d > 0 ? "x" : "") + std::to_string(box.count[d]);
  }
  return "the tile of the " + problem.name + " at [" + offset + "] of " + count + " cells";
}

class cuda_backend final : public compute_backend {
public:
  cuda_backend(const sweep_plan& plan, const cuda_backend_options& options)
      // A slot holds the largest tile of any problem: the device memory fit_tiles planned
      // (plan.max_tile_bytes() per tile in flight).
      : m_engine(options.device, axis_values_of(plan), make_sweep_terms(plan),
                 make_sample_inputs(plan), static_cast<std::size_t>(plan.max_tile_bytes()),
                 options.keep_on_device),
        m_slot_bytes(plan.max_tile_bytes()), m_name(cuda_device_name(options.device)) {}

  std::string kind() const override { return "cuda"; }
  std::string description() const override {
    return "cuda device " + std::to_string(m_engine.device()) + " (" + m_name + ")";
  }
  std::pmr::memory_resource* host_memory() override { return m_engine.host_memory(); }
  std::int64_t device_bytes_for_tiles(std::int64_t tile_bytes) const override {
    return static_cast<std::int64_t>(m_engine.slot_count()) * tile_bytes;
  }

  void submit(const problem_grid& problem, const tile_box& box, host_tile& out) override {
    const std::int64_t n = cell_count(box);
    if (n * problem.memory_bytes_per_cell() > m_slot_bytes) {
      throw error("CUDA backend: a tile of " + std::to_string(n) + " cells of the " + problem.name +
                  " exceeds the device slot planned for it");
    }
    m_engine.submit({problem.kind, static_cast<int>(problem.f64_outputs()), problem.has_status()},
                    box, out.columns(), &out, describe_tile(problem, box));
  }
  void wait(host_tile& out) override { m_engine.wait(&out); }
  void drain() noexcept override { m_engine.drain(); }

private:
  tile_engine m_engine;
  std::int64_t m_slot_bytes;
  std::string m_name;
};

} // namespace

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const cuda_backend_options& options) {
  return std::make_unique<cuda_backend>(plan, options);
}

} // namespace scalesweep::cuda
