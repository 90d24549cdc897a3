// The flags that shape a run's tiles and memory (app/run_setup.hpp holds their values), shared by
// `run` and `validate`.
#include "cli/commands.hpp"

namespace scalesweep::cli {

void add_run_flags(CLI::App* app, app::run_flags* f) {
  app->add_option("--backend", f->backend, "auto: CUDA when a device is present, else CPU")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app->add_option("--threads", f->threads, "CPU backend threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  app->add_option("--device", f->device,
                  "CUDA device ordinal (default: node-local MPI rank modulo the devices)")
      ->check(CLI::Range(0, 1023));
  app->add_option("--memory-limit", f->memory_limit,
                  "Host memory for tiles in flight, e.g. 2G (default: 1/4 of RAM, at most 16G, "
                  "shared by the MPI ranks of a node)")
      ->check(non_empty_text());
  app->add_option("--gpu-memory-limit", f->gpu_memory_limit,
                  "GPU memory for tiles, e.g. 8G (default: half the device's free memory, shared "
                  "by the MPI ranks of a node that use the device)")
      ->check(non_empty_text());
  app->add_option("--tile-cells", f->tile_cells,
                  "Most cells per tile (default: 4M on the CPU, 16M on a GPU, within the limits; "
                  "at least one HDF5 chunk)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app->add_option("--compression-threads", f->compression_threads,
                  "Threads encoding chunks (default: --threads)")
      ->check(CLI::Range(1, 4096));
  app->add_flag("--optima-only", f->optima_only, "Write the optima only, no dense grids");
}

} // namespace scalesweep::cli
