// CUDA backend: axes live on the device for the whole run; each tile is computed and copied back.
#include "cuda_backend.hpp"
#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "problem_kernels.cuh"

#include <algorithm>

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

namespace {

class cuda_backend final : public compute_backend {
public:
  cuda_backend(const sweep_plan& plan, int device) : m_device(device) {
    SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
    m_name = device_name(device);
    m_hardware = device_buffer<cost_coefficients>(plan.hardware_coefficients);
    const auto upload = [&](axis_id id) -> const double* {
      const axis* a = plan.find_axis(id);
      if (a == nullptr) {
        return nullptr;
      }
      m_axes.emplace_back(a->values);
      return m_axes.back().get();
    };
    m_views.law = plan.config.law.law;
    m_views.hardware = m_hardware.get();
    m_views.T = upload(axis_id::T);
    m_views.N = upload(axis_id::N);
    m_views.D = upload(axis_id::D);
    m_views.loss_target = upload(axis_id::loss_target);
    m_views.budget = upload(axis_id::budget);
    for (const problem_plan& p : plan.problems) {
      const host_tile shape(p);
      m_capacity = std::max(m_capacity, shape.capacity());
      m_f64_columns = std::max(m_f64_columns, p.f64_outputs());
    }
    m_f64 = device_buffer<double>(static_cast<std::size_t>(m_capacity * m_f64_columns));
    m_status = device_buffer<std::uint8_t>(static_cast<std::size_t>(m_capacity));
  }

  std::string kind() const override { return "cuda"; }
  std::string description() const override {
    return "cuda device " + std::to_string(m_device) + " (" + m_name + ")";
  }

  void compute(const problem_plan& problem, const tile_box& box, host_tile& out) override {
    const std::int64_t n = cell_count(box);
    tile_columns device_columns{};
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      device_columns.f64[j] = m_f64.get() + j * m_capacity;
    }
    device_columns.status = problem.has_status() ? m_status.get() : nullptr;
    launch_problem_kernel(problem.kind, m_views, box, device_columns, m_stream.get());
    const tile_columns host_columns = out.columns();
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host_columns.f64[j], device_columns.f64[j],
                                            static_cast<std::size_t>(n) * sizeof(double),
                                            cudaMemcpyDeviceToHost, m_stream.get()));
    }
    if (problem.has_status()) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host_columns.status, device_columns.status,
                                            static_cast<std::size_t>(n), cudaMemcpyDeviceToHost,
                                            m_stream.get()));
    }
    m_stream.synchronize();
  }

private:
  int m_device;
  std::string m_name;
  stream m_stream;
  device_buffer<cost_coefficients> m_hardware;
  std::vector<device_buffer<double>> m_axes;
  sweep_views m_views{};
  std::int64_t m_capacity = 0;
  std::int64_t m_f64_columns = 0;
  device_buffer<double> m_f64;
  device_buffer<std::uint8_t> m_status;
};

} // namespace

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan, int device) {
  return std::make_unique<cuda_backend>(plan, device);
}

} // namespace scalesweep::cuda
