// The CUDA tile engine: the sweep's arrays live on the device for the whole run; two slots
// (stream, device columns, event) alternate so one tile's kernel overlaps the previous tile's
// copy-back.
#include "cuda_check.cuh"
#include "cuda_engine.hpp"
#include "cuda_resources.cuh"
#include "problem_kernels.cuh"
#include "sample_kernels.cuh"

#include <algorithm>
#include <array>

namespace scalesweep::cuda {

namespace {

// The first member of the state: its streams, events and buffers are created after this made
// the engine's device current (members are constructed in declaration order).
struct current_device {
  explicit current_device(int device) : id(device) { use_device(device); }
  int id;
};

template <class T>
device_buffer<T> upload(const std::vector<T>& host) {
  return device_buffer<T>(host);
}

struct slot {
  stream stream;
  event done;
  device_buffer<unsigned char> columns; // f64 columns, then the status column
  // The quantile problems' scratch (sample_kernels.cuh), on slots of a sweep with law samples.
  device_buffer<unsigned char> sample_columns;
  device_buffer<double> sample_values;
  device_buffer<double> sample_sorted;
  device_buffer<std::int64_t> sample_counts;
  device_buffer<std::int64_t> sample_segments; // each cell's segment: begins, then ends
  device_buffer<unsigned char> sample_sort_temp;
  sample_scratch scratch{};
  const void* pending = nullptr; // the owner of the tile in flight
  std::string tile;              // the tile in flight, for errors
};

// Waits for the slot's tile. A kernel's fault surfaces here, asynchronously: the error names
// the tile it belongs to.
void finish(slot& s) {
  s.pending = nullptr;
  try {
    s.done.synchronize();
  } catch (const cuda_error& e) {
    // A fault the driver reports late may belong to the other tile in flight.
    throw cuda_error(std::string(e.what()) + ", while waiting for " + s.tile, e.why());
  }
}

void copy_to_host(const problem_columns& problem, std::int64_t n, const tile_columns& device,
                  const tile_columns& host, cudaStream_t stream) {
  for (int j = 0; j < problem.f64_columns; ++j) {
    SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host.f64[j], device.f64[j],
                                          static_cast<std::size_t>(n) * sizeof(double),
                                          cudaMemcpyDeviceToHost, stream));
  }
  if (problem.has_status) {
    SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host.status, device.status, static_cast<std::size_t>(n),
                                          cudaMemcpyDeviceToHost, stream));
  }
}

// A slot's scratch for the quantile problems: loss_target_columns (as many as budget_columns)
// and the status of sample_scratch_cells sample-cells, as many gathered values, sorted values,
// counts and segment ends, and the segmented sort's temporary storage.
void make_sample_scratch(slot& s) {
  constexpr int columns = loss_target_columns::count;
  const auto cells = static_cast<std::size_t>(sample_scratch_cells);
  s.sample_columns = device_buffer<unsigned char>(cells * (columns * sizeof(double) + 1));
  s.sample_values = device_buffer<double>(cells);
  s.sample_sorted = device_buffer<double>(cells);
  s.sample_counts = device_buffer<std::int64_t>(cells);
  s.sample_segments = device_buffer<std::int64_t>(2 * cells);
  const std::size_t sort_bytes = sample_sort_bytes(sample_scratch_cells);
  s.sample_sort_temp = device_buffer<unsigned char>(std::max<std::size_t>(sort_bytes, 1));
  auto* f64 = reinterpret_cast<double*>(s.sample_columns.get());
  for (int k = 0; k < columns; ++k) {
    s.scratch.columns.f64[k] = f64 + static_cast<std::size_t>(k) * cells;
  }
  s.scratch.columns.status = reinterpret_cast<std::uint8_t*>(f64 + columns * cells);
  s.scratch.values = s.sample_values.get();
  s.scratch.sorted = s.sample_sorted.get();
  s.scratch.counts = s.sample_counts.get();
  s.scratch.segment_begins = s.sample_segments.get();
  s.scratch.segment_ends = s.sample_segments.get() + cells;
  s.scratch.sort_temp = s.sample_sort_temp.get();
  s.scratch.sort_bytes = sort_bytes;
  s.scratch.sample_cells = sample_scratch_cells;
}

} // namespace

struct tile_engine::state {
  state(int device, bool keep_on_device)
      : m_device(device), m_keep_on_device(keep_on_device), m_pinned(device) {}

  current_device m_device; // first: the members below live on this device
  bool m_keep_on_device;
  pinned_memory_resource m_pinned;
  device_buffer<hardware_terms> m_hardware;
  device_buffer<double> m_T, m_ln_T, m_N, m_parameter_terms, m_D, m_data_terms, m_budget,
      m_ln_budget;
  device_buffer<loss_target_terms> m_loss_targets;
  device_buffer<budget_model> m_budget_chinchilla;
  device_buffer<serving_limit> m_serving_limits;
  device_buffer<loss_target_bound> m_loss_target_bounds;
  device_buffer<spread_terms> m_spreads;
  device_buffer<regret_optimum> m_regret_optima;
  device_buffer<double> m_regret_N, m_regret_D, m_regret_cost, m_regret_delta, m_regret_q,
      m_regret_one_minus_q;
  sweep_views m_views{};
  device_buffer<prepared_law> m_laws;
  device_buffer<double> m_sample_loss_targets, m_quantiles;
  sample_device_views m_sample_views{};
  std::array<slot, 2> m_slots;
  std::size_t m_next = 0;
};

tile_engine::tile_engine(int device, const sweep_axis_values& axes, const sweep_terms& terms,
                         const sample_inputs& samples, std::size_t slot_bytes, bool keep_on_device)
    : m_state(std::make_unique<state>(device, keep_on_device)) {
  state& d = *m_state;
  d.m_hardware = upload(terms.hardware);
  d.m_T = upload(axes.T);
  d.m_ln_T = upload(terms.ln_T);
  d.m_N = upload(axes.N);
  d.m_parameter_terms = upload(terms.parameter_terms);
  d.m_D = upload(axes.D);
  d.m_data_terms = upload(terms.data_terms);
  d.m_loss_targets = upload(terms.loss_targets);
  d.m_budget = upload(axes.budget);
  d.m_ln_budget = upload(terms.ln_budget);
  d.m_budget_chinchilla = upload(terms.budget_chinchilla);
  d.m_serving_limits = upload(terms.serving_limits);
  d.m_loss_target_bounds = upload(terms.loss_target_bounds);
  d.m_spreads = upload(terms.spreads);
  d.m_regret_optima = upload(terms.regret_optima);
  d.m_regret_N = upload(terms.regret_N);
  d.m_regret_D = upload(terms.regret_D);
  d.m_regret_cost = upload(terms.regret_cost);
  d.m_regret_delta = upload(terms.regret_delta);
  d.m_regret_q = upload(terms.regret_q);
  d.m_regret_one_minus_q = upload(terms.regret_one_minus_q);
  d.m_views = {terms.law,
               d.m_hardware.get(),
               d.m_T.get(),
               d.m_ln_T.get(),
               d.m_N.get(),
               d.m_parameter_terms.get(),
               d.m_D.get(),
               d.m_data_terms.get(),
               d.m_loss_targets.get(),
               d.m_budget.get(),
               d.m_ln_budget.get(),
               d.m_budget_chinchilla.get(),
               static_cast<std::int64_t>(terms.ln_budget.size()),
               d.m_serving_limits.get(),
               d.m_loss_target_bounds.get(),
               d.m_spreads.get(),
               d.m_regret_optima.get(),
               {d.m_regret_N.get(), d.m_regret_D.get(), d.m_regret_cost.get(),
                d.m_regret_delta.get(), d.m_regret_q.get(), d.m_regret_one_minus_q.get()},
               static_cast<std::int64_t>(terms.ln_T.size()),
               static_cast<std::int64_t>(terms.loss_targets.size())};
  d.m_laws = upload(samples.laws);
  d.m_sample_loss_targets = upload(samples.loss_targets);
  d.m_quantiles = upload(samples.quantiles);
  d.m_sample_views = {d.m_laws.get(), static_cast<std::int64_t>(samples.laws.size()),
                      d.m_sample_loss_targets.get(), d.m_quantiles.get(),
                      static_cast<int>(samples.quantiles.size())};
  for (slot& s : d.m_slots) {
    s.columns = device_buffer<unsigned char>(slot_bytes);
    if (!samples.laws.empty()) {
      make_sample_scratch(s);
    }
  }
  // The uploads above are plain cudaMemcpy from pageable memory, which may return before the
  // data lands; the kernels run on non-blocking streams that do not wait for them.
  SCALESWEEP_CUDA_CHECK(cudaDeviceSynchronize());
}

tile_engine::~tile_engine() {
  drain();
}

int tile_engine::device() const {
  return m_state->m_device.id;
}

std::pmr::memory_resource* tile_engine::host_memory() {
  return &m_state->m_pinned;
}

std::size_t tile_engine::slot_count() const {
  return m_state->m_slots.size();
}

void tile_engine::submit(const problem_columns& problem, const tile_box& box,
                         const tile_columns& out, const void* owner, const std::string& label) {
  state& d = *m_state;
  // The pipeline may drive the backend from another thread than the one that built it, and
  // the current device is per thread.
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(d.m_device.id));
  slot& s = d.m_slots[d.m_next];
  d.m_next = (d.m_next + 1) % d.m_slots.size();
  if (s.pending != nullptr) {
    finish(s); // the slot's previous tile has reached its host buffer
  }
  const std::int64_t n = cell_count(box);
  tile_columns device_columns{};
  auto* f64 = reinterpret_cast<double*>(s.columns.get());
  for (int j = 0; j < problem.f64_columns; ++j) {
    device_columns.f64[j] = f64 + j * n;
  }
  device_columns.status =
      problem.has_status ? reinterpret_cast<std::uint8_t*>(f64 + problem.f64_columns * n) : nullptr;
  s.tile = label;
  try {
    if (has_sample_axis(problem.kind)) {
      launch_sample_kernels(problem.kind, d.m_views, d.m_sample_views, box, device_columns,
                            s.scratch, s.stream.get());
    } else {
      launch_problem_kernel(problem.kind, d.m_views, box, device_columns, s.stream.get());
    }
    if (!d.m_keep_on_device) {
      copy_to_host(problem, n, device_columns, out, s.stream.get());
    }
    s.done.record(s.stream.get());
  } catch (const cuda_error& e) {
    // A launch also reports a fault left by the kernel of the other tile in flight.
    throw cuda_error(std::string(e.what()) + ", submitting " + s.tile +
                         " (or from the tile computed before it)",
                     e.why());
  }
  s.pending = owner;
}

void tile_engine::wait(const void* owner) {
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(m_state->m_device.id));
  for (slot& s : m_state->m_slots) {
    if (s.pending == owner) {
      finish(s);
    }
  }
}

void tile_engine::drain() noexcept {
  (void)cudaSetDevice(m_state->m_device.id);
  for (slot& s : m_state->m_slots) {
    (void)cudaStreamSynchronize(s.stream.get());
    s.pending = nullptr;
  }
  (void)cudaGetLastError(); // already failing: the first error is the one reported
}

} // namespace scalesweep::cuda
