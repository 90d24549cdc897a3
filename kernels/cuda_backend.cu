// CUDA backend: axes and their terms live on the device for the whole run; two slots (stream,
// device columns, event) alternate so one tile's kernel overlaps the previous tile's copy-back.
#include "cuda_backend.hpp"
#include "cuda_check.cuh"
#include "cuda_resources.cuh"
#include "plan/sweep_terms.hpp"
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

namespace {

std::string cuda_version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

} // namespace

cuda_unavailability unavailable_reason() {
  int n = 0;
  const cudaError_t status = cudaGetDeviceCount(&n);
  (void)cudaGetLastError();
  if (status == cudaSuccess && n > 0) {
    return {};
  }
  int runtime = 0, driver = 0;
  (void)cudaRuntimeGetVersion(&runtime);
  (void)cudaDriverGetVersion(&driver); // 0 when no driver is installed
  if (driver == 0) {
    return {"no NVIDIA driver installed", false};
  }
  if (status == cudaSuccess || status == cudaErrorNoDevice) {
    return {"no CUDA device", false};
  }
  // A driver is there but CUDA fails: most often a driver older than the runtime linked in.
  return {std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(status) +
              " (this build's CUDA runtime is " + cuda_version_text(runtime) +
              ", the installed driver supports CUDA " + cuda_version_text(driver) + ")",
          true};
}

std::string device_name(int device) {
  cudaDeviceProp prop{};
  SCALESWEEP_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

namespace {

// Makes `device` current, which creates its context (CUDA 12+): the first use of the device, so
// a device that is listed but unusable (another process holds it in exclusive-process mode, a MIG
// instance is missing) fails here, with a message that says so.
void use_device(int device) {
  const cudaError_t status = cudaSetDevice(device);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw cuda_error("CUDA device " + std::to_string(device) +
                         " is visible but cannot be used: " + cudaGetErrorString(status),
                     "nvidia-smi shows its compute mode and the processes holding it; choose "
                     "another with --device, or run on the CPU with --backend cpu");
  }
}

} // namespace

// Leaves `device` current: asking about it creates its context, as using it will right after.
// (Restoring an earlier device would create a context there too, on GPU 0 in every MPI rank.)
std::int64_t free_memory(int device) {
  use_device(device);
  std::size_t free = 0, total = 0;
  SCALESWEEP_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return static_cast<std::int64_t>(free);
}

std::int64_t device_identity(int device) noexcept {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  std::uint64_t hash = 14695981039346656037ULL; // FNV-1a over the 16 bytes of the UUID
  for (const char byte : prop.uuid.bytes) {
    hash = (hash ^ static_cast<unsigned char>(byte)) * 1099511628211ULL;
  }
  return static_cast<std::int64_t>(hash == 0 ? 1 : hash);
}

namespace {

// The first member of the backend: its streams, events and buffers are created after this made
// the backend's device current (members are constructed in declaration order).
struct current_device {
  explicit current_device(int device) : id(device) { use_device(device); }
  int id;
};

template <class T>
device_buffer<T> upload(const std::vector<T>& host) {
  return device_buffer<T>(host);
}

class cuda_backend final : public compute_backend {
public:
  cuda_backend(const sweep_plan& plan, int device, bool keep_on_device)
      : m_device(device), m_keep_on_device(keep_on_device), m_pinned(device) {
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
    // A slot holds the largest tile of any problem, its columns packed one after another: the
    // device memory fit_tiles planned (plan.max_tile_bytes() per tile in flight).
    const auto slot_bytes = static_cast<std::size_t>(plan.max_tile_bytes());
    for (slot& s : m_slots) {
      s.columns = device_buffer<unsigned char>(slot_bytes);
    }
    // The uploads above are plain cudaMemcpy from pageable memory, which may return before the
    // data lands; the kernels run on non-blocking streams that do not wait for them.
    SCALESWEEP_CUDA_CHECK(cudaDeviceSynchronize());
  }
  cuda_backend(const cuda_backend&) = delete;
  cuda_backend& operator=(const cuda_backend&) = delete;
  cuda_backend(cuda_backend&&) = delete;
  cuda_backend& operator=(cuda_backend&&) = delete;
  ~cuda_backend() override { drain(); }

  std::string kind() const override { return "cuda"; }
  std::string description() const override {
    return "cuda device " + std::to_string(m_device.id) + " (" + m_name + ")";
  }
  std::pmr::memory_resource* host_memory() override { return &m_pinned; }
  std::int64_t device_bytes_for_tiles(std::int64_t tile_bytes) const override {
    return static_cast<std::int64_t>(m_slots.size()) * tile_bytes;
  }

  void submit(const problem_plan& problem, const tile_box& box, host_tile& out) override {
    // The pipeline may drive the backend from another thread than the one that built it, and
    // the current device is per thread.
    SCALESWEEP_CUDA_CHECK(cudaSetDevice(m_device.id));
    slot& s = m_slots[m_next];
    m_next = (m_next + 1) % m_slots.size();
    if (s.pending != nullptr) {
      finish(s); // the slot's previous tile has reached its host buffer
    }
    const std::int64_t n = cell_count(box);
    if (n * problem.memory_bytes_per_cell() > static_cast<std::int64_t>(s.columns.size())) {
      throw error("CUDA backend: a tile of " + std::to_string(n) + " cells of the " + problem.name +
                  " exceeds the device slot planned for it");
    }
    tile_columns device_columns{};
    auto* f64 = reinterpret_cast<double*>(s.columns.get());
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      device_columns.f64[j] = f64 + j * n;
    }
    device_columns.status = problem.has_status()
                                ? reinterpret_cast<std::uint8_t*>(f64 + problem.f64_outputs() * n)
                                : nullptr;
    s.tile = describe_tile(problem, box);
    try {
      launch_problem_kernel(problem.kind, m_views, box, device_columns, s.stream.get());
      if (!m_keep_on_device) {
        copy_to_host(problem, n, device_columns, out.columns(), s.stream.get());
      }
      s.done.record(s.stream.get());
    } catch (const cuda_error& e) {
      // A launch also reports a fault left by the kernel of the other tile in flight.
      throw cuda_error(std::string(e.what()) + ", submitting " + s.tile +
                           " (or from the tile computed before it)",
                       e.hint());
    }
    s.pending = &out;
  }

  void wait(host_tile& out) override {
    SCALESWEEP_CUDA_CHECK(cudaSetDevice(m_device.id));
    for (slot& s : m_slots) {
      if (s.pending == &out) {
        finish(s);
      }
    }
  }

  void drain() noexcept override {
    (void)cudaSetDevice(m_device.id);
    for (slot& s : m_slots) {
      (void)cudaStreamSynchronize(s.stream.get());
      s.pending = nullptr;
    }
    (void)cudaGetLastError(); // already failing: the first error is the one reported
  }

private:
  struct slot {
    stream stream;
    event done;
    device_buffer<unsigned char> columns; // f64 columns, then the status column
    host_tile* pending = nullptr;
    std::string tile; // the tile in flight, for errors
  };

  // Waits for the slot's tile. A kernel's fault surfaces here, asynchronously: the error names
  // the tile it belongs to.
  static void finish(slot& s) {
    s.pending = nullptr;
    try {
      s.done.synchronize();
    } catch (const cuda_error& e) {
      // A fault the driver reports late may belong to the other tile in flight.
      throw cuda_error(std::string(e.what()) + ", while waiting for " + s.tile, e.hint());
    }
  }

  static std::string describe_tile(const problem_plan& problem, const tile_box& box) {
    std::string offset, count;
    for (int d = 0; d < box.rank; ++d) {
      offset += (d > 0 ? "," : "") + std::to_string(box.offset[d]);
      count += (d > 0 ? "x" : "") + std::to_string(box.count[d]);
    }
    return "the tile of the " + problem.name + " at [" + offset + "] of " + count + " cells";
  }

  static void copy_to_host(const problem_plan& problem, std::int64_t n, const tile_columns& device,
                           const tile_columns& host, cudaStream_t stream) {
    for (std::int64_t j = 0; j < problem.f64_outputs(); ++j) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host.f64[j], device.f64[j],
                                            static_cast<std::size_t>(n) * sizeof(double),
                                            cudaMemcpyDeviceToHost, stream));
    }
    if (problem.has_status()) {
      SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host.status, device.status, static_cast<std::size_t>(n),
                                            cudaMemcpyDeviceToHost, stream));
    }
  }

  current_device m_device; // first: the members below live on this device
  bool m_keep_on_device;
  std::string m_name;
  pinned_memory_resource m_pinned;
  device_buffer<hardware_terms> m_hardware;
  device_buffer<double> m_T, m_ln_T, m_N, m_parameter_terms, m_D, m_data_terms, m_budget,
      m_ln_budget;
  device_buffer<loss_target_terms> m_loss_targets;
  device_buffer<budget_model> m_budget_chinchilla;
  sweep_views m_views{};
  std::array<slot, 2> m_slots;
  std::size_t m_next = 0;
};

} // namespace

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan, int device,
                                              bool keep_on_device) {
  return std::make_unique<cuda_backend>(plan, device, keep_on_device);
}

} // namespace scalesweep::cuda
