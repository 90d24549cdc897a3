// Backend choice, memory limits and tile sizes of a run, from its flags and this machine.
#include "app/run_setup.hpp"

#include "scalesweep/error.hpp"

#include "app/law_samples_source.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "cuda_device.hpp"
#include "plan/config.hpp"

#include <omp.h>

#include <algorithm>
#include <optional>

namespace scalesweep::app {

namespace {

std::int64_t byte_size_option(const std::string& text, const char* flag) {
  const std::optional<std::int64_t> bytes = parse_byte_size(text);
  if (!bytes) {
    throw input_error(std::string(flag) + ": '" + shown_token(text) +
                          "' is not a size from 1 byte to 8 EiB with a unit B, K, M, G or T",
                      "write bytes with an optional unit: 512M, 4G, 1.5GiB, 2T");
  }
  return *bytes;
}

backend_choice resolve_choice(const std::string& backend) {
  return resolve_backend_choice(backend_choice_named(backend));
}

// The flag, else the node-local rank modulo the visible devices (0 with none).
int device_ordinal(const run_flags& f, const communicator& comm, int devices) {
  return f.device >= 0 ? f.device : (devices > 0 ? comm.local_rank() % devices : 0);
}

} // namespace

memory_use run_setup::memory() const {
  return {planned_host_bytes(plan, compression_threads), limits.host_bytes,
          on_gpu ? planned_device_bytes(plan) : 0, limits.device_bytes};
}

device_probe probe_device(int device, const std::function<std::int64_t(int)>& free_memory) {
  try {
    return {true, free_memory(device), {}};
  } catch (const cuda_error& e) {
    if (e.why() != cuda_error::cause::device_unusable) {
      throw;
    }
    return {false, 0, e.what()};
  }
}

int ranks_sharing_gpu(const run_flags& f, const communicator& comm) noexcept {
  std::int64_t identity = 0;
  if (resolve_choice(f.backend) == backend_choice::cuda) {
    const int devices = cuda_device_count();
    const int device = device_ordinal(f, comm, devices);
    identity = device < devices ? cuda_device_identity(device) : 0;
  }
  if (!comm.parallel()) {
    return 1;
  }
  return ranks_sharing_device(comm.all_gather({identity}), comm.rank());
}

run_setup set_up_run(sweep_config config, const run_flags& f, const communicator& comm,
                     int gpu_sharers) {
  if (f.optima_only) {
    // The config may be fine without the flag: the error says that the flag removed its work.
    const bool has_optima = std::any_of(config.axes.begin(), config.axes.end(), [](const axis& a) {
      return a.id == axis_id::loss_target || a.id == axis_id::budget;
    });
    if (!has_optima) {
      throw input_error(config.source_name + ": --optima-only leaves nothing to compute: the "
                                             "config declares no loss_target or budget axis",
                        "run without --optima-only, or declare T with loss_target or budget");
    }
    drop_dense_grids(config);
  }
  read_law_samples_into(config);
  run_setup r;
  r.plan = make_plan(std::move(config));
  r.backend.choice = resolve_choice(f.backend);
  r.backend.threads = f.threads;
  r.on_gpu = r.backend.choice == backend_choice::cuda;
  const int devices = r.on_gpu ? cuda_device_count() : 0;
  r.backend.device = device_ordinal(f, comm, devices);
  // The device's free memory, known once it was made current (the default GPU memory limit).
  std::optional<std::int64_t> device_free;
  if (r.on_gpu && r.backend.device < devices) {
    const device_probe probe = probe_device(r.backend.device, cuda_free_memory);
    if (probe.usable) {
      device_free = probe.free_bytes;
    } else if (f.backend == "auto") {
      // Listed but unusable: auto means "the GPU if it works", so the CPU, with a warning.
      r.backend.choice = backend_choice::cpu;
      r.on_gpu = false;
      r.plan.config.warnings.push_back("--backend auto runs on the CPU: " + probe.why);
      r.backend_reason = "auto: the CUDA device cannot be used (" + probe.why + ")";
    } else {
      throw cuda_error(probe.why, cuda_error::cause::device_unusable);
    }
  }
  if (!r.backend_reason.empty()) {
    // Set by the fallback above.
  } else if (f.backend != "auto") {
    r.backend_reason = "--backend " + f.backend;
  } else if (r.on_gpu) {
    r.backend_reason = "auto: a CUDA device is present";
  } else {
    const cuda_unavailability why = cuda_unavailable_reason();
    r.backend_reason = "auto: no usable CUDA device (" + why.text + ")";
    // Printed with the config's warnings by run and validate.
    if (why.driver_fault) {
      r.plan.config.warnings.push_back("--backend auto runs on the CPU: " + why.text);
    }
    if (f.device >= 0) {
      r.plan.config.warnings.push_back("--device " + std::to_string(f.device) +
                                       " is ignored: no usable CUDA device, the run uses the CPU");
    }
  }
  r.compression_threads = f.compression_threads > 0
                              ? f.compression_threads
                              : (f.threads > 0 ? f.threads : omp_get_max_threads());
  r.limits.host_bytes = f.memory_limit.empty() ? default_host_memory_limit(comm.local_size())
                                               : byte_size_option(f.memory_limit, "--memory-limit");
  if (r.limits.host_bytes > physical_memory_bytes()) {
    r.plan.config.warnings.push_back("--memory-limit " + f.memory_limit +
                                     " is more than this machine's " +
                                     format_bytes(static_cast<double>(physical_memory_bytes())) +
                                     " of memory: tiles sized to it may swap or be killed");
  }
  const std::int64_t gpu_limit =
      f.gpu_memory_limit.empty() ? 0 : byte_size_option(f.gpu_memory_limit, "--gpu-memory-limit");
  if (r.on_gpu) {
    // Default: half the device's free memory, split among the ranks that use it; unknown (0)
    // where the device is not visible, as when validating on a login node.
    r.limits.device_bytes = gpu_limit > 0 ? gpu_limit
                            : device_free ? default_device_memory_limit(*device_free, gpu_sharers)
                                          : 0;
  }
  const std::int64_t cap =
      f.tile_cells > 0 ? f.tile_cells
                       : (r.on_gpu ? default_max_gpu_tile_cells : default_max_cpu_tile_cells);
  fit_tiles(r.plan, r.limits, cap, r.compression_threads);
  return r;
}

} // namespace scalesweep::app
