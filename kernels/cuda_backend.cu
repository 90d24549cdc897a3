// CUDA backend: axes and their terms live on the device for the whole run; two slots (stream,
// device columns, event) alternate so one tile's kernel overlaps the previous tile's copy-back.
#include "scalesweep/sweep_terms.hpp"

#include "cuda_backend.hpp"
#include "cuda_check.cuh"
#include "cuda_resources.cuh"
#include "problem_kernels.cuh"

#include <algorithm>
#include <array>

namespace scalesweep::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError(); // no driver or no device: not an error for "auto"
    return 0;
  }
  return n;
}

std::string device_name(int device) {
  cudaDeviceProp prop{};
  SCALESWEEP_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

std::int64_t free_memory(int device) {
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
  std::size_t free = 0, total = 0;
  SCALESWEEP_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return static_cast<std::int64_t>(free);
}

namespace {

template <class T>
device_buffer<T> upload(const std::vector<T>& host) {
  return device_buffer<T>(host);
}

class cuda_backend final : public compute_backend {
public:
  cuda_backend(const sweep_plan& plan, int device) : m_device(device) {
    SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
    m_name = device_name(device);
    const sweep_terms terms = make_sweep_terms(plan);
    const auto axis_values = [&](axis_id id) -> device_buffer<double> {
      const axis* a = plan.find_axis(id);
      return a ? upload(a->values) : device_buffer<double>();
    };
    m_hardware = upload(terms.hardware);
    m_T = axis_values(axis_id::T);
    m_ln_T = upload(terms.ln_T);
    m_N = axis_values(axis_id::N);
    m_parameter_terms = upload(terms.parameter_terms);
    m_D = axis_values(axis_id::D);
    m_data_terms = upload(terms.data_terms);
    m_loss_targets = upload(terms.loss_targets);
    m_budget = axis_values(axis_id::budget);
    m_ln_budget = upload(terms.ln_budget);
    m_budget_chinchilla = upload(terms.budget_chinchilla);
    m_views = {terms.law,
               m_hardware.get(),
               m_T.get(),
               m_ln_T.get(),
               m_N.get(),
               m_parameter_terms.get(),
               m_D.get(),
               m_data_terms.get(),
               m_loss_targets.get(),
               m_budget.get(),
               m_ln_budget.get(),
               m_budget_chinchilla.get(),
               static_cast<std::int64_t>(terms.ln_budget.size())};
    for (const problem_plan& p : plan.problems) {
      m_capacity = std::max<std::int64_t>(m_capacity, cells_of(p.tile_shape));
      m_f64_columns = std::max(m_f64_columns, p.f64_outputs());
    }
    for (slot& s : m_slots) {
      s.f64 = device_buffer<double>(static_cast<std::size_t>(m_capacity * m_f64_columns));
      s.status = device_buffer<std::uint8_t>(static_cast<std::size_t>(m_capacity));
    }
  }

  std::string kind() const override { return "cuda"; }
  std::string description() const override {
    return "cuda device " + std::to_string(m_device) + " (" + m_name + ")";
  }
  std::pmr::memory_resource* host_memory() override { return &m_pinned; }
  std::int64_t device_bytes_for_tiles(std::int64_t tile_bytes) const override {
    return static_cast<std::int64_t>(m_slots.size()) * tile_bytes;
  }

  void submit(const problem_plan& problem, const tile_box& box, host_tile& out) override {
    slot& s = m_slots[m_next];
    m_next = (m_next + 1) % m_slots.size();
    if (s.pending != nullptr) {
      s.done.synchronize(); // the slot's previous tile has reached its host buffer
      s.pending = nullptr;
    }
    const std::int64_t n = cell_count(box);
    tile_columns device_columns{};
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      device_columns.f64[j] = s.f64.get() + j * m_capacity;
    }
    device_columns.status = problem.has_status() ? s.status.get() : nullptr;
    launch_problem_kernel(problem.kind, m_views, box, device_columns, s.stream.get());
    const tile_columns host_columns = out.columns();
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host_columns.f64[j], device_columns.f64[j],
                                            static_cast<std::size_t>(n) * sizeof(double),
                                            cudaMemcpyDeviceToHost, s.stream.get()));
    }
    if (problem.has_status()) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host_columns.status, device_columns.status,
                                            static_cast<std::size_t>(n), cudaMemcpyDeviceToHost,
                                            s.stream.get()));
    }
    s.done.record(s.stream.get());
    s.pending = &out;
  }

  void wait(host_tile& out) override {
    for (slot& s : m_slots) {
      if (s.pending == &out) {
        s.done.synchronize();
        s.pending = nullptr;
      }
    }
  }

private:
  static std::int64_t cells_of(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (std::int64_t s : shape) {
      n *= s;
    }
    return n;
  }

  struct slot {
    stream stream;
    event done;
    device_buffer<double> f64;
    device_buffer<std::uint8_t> status;
    host_tile* pending = nullptr;
  };

  int m_device;
  std::string m_name;
  pinned_memory_resource m_pinned;
  device_buffer<hardware_terms> m_hardware;
  device_buffer<double> m_T, m_ln_T, m_N, m_parameter_terms, m_D, m_data_terms, m_budget,
      m_ln_budget;
  device_buffer<loss_target_terms> m_loss_targets;
  device_buffer<budget_model> m_budget_chinchilla;
  sweep_views m_views{};
  std::int64_t m_capacity = 0;
  std::int64_t m_f64_columns = 0;
  std::array<slot, 2> m_slots;
  std::size_t m_next = 0;
};

} // namespace

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan, int device) {
  return std::make_unique<cuda_backend>(plan, device);
}

} // namespace scalesweep::cuda
