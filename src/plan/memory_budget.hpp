// Memory limits of a run and the tile sizes that respect them: whatever the grid size, a run
// holds a fixed number of tiles in host memory and two on the device.
#pragma once

#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

struct memory_limits {
  std::int64_t host_bytes;   // --memory-limit
  std::int64_t device_bytes; // --gpu-memory-limit; 0 when no device is used
};

// What a run holds besides its tiles: program, libraries, HDF5 metadata (a fixed allowance).
inline constexpr std::int64_t host_baseline_bytes = std::int64_t{64} << 20;
// Host tiles in flight: one being computed, one being copied back, one queued, one being written.
inline constexpr int host_tiles_in_flight = 4;
// Device tiles: two slots alternate (one computing, one copying back).
inline constexpr int device_tiles_in_flight = 2;

std::int64_t physical_memory_bytes();
// Peak resident set size of this process so far (getrusage), for the run summary.
std::int64_t peak_resident_bytes();
// A quarter of the machine's memory, at most 16 GiB, shared by the `ranks_on_node` processes of
// an MPI run on this node; at least 256 MiB each.
std::int64_t default_host_memory_limit(int ranks_on_node = 1);

// How many ranks use the same GPU as rank `rank`, from every rank's device identity (a hash of
// its GPU's UUID; 0 for a rank on no GPU, which shares nothing). Identities, not ordinals: under
// per-rank CUDA_VISIBLE_DEVICES every rank's GPU is its device 0.
int ranks_sharing_device(const std::vector<std::int64_t>& identities, int rank);
// Half the device's free memory, shared by the ranks that use the device.
std::int64_t default_device_memory_limit(std::int64_t free_bytes, int sharing_ranks);

// "4G", "512MiB", "1.5GB", "100000000": binary units (K = 1024); nullopt when malformed.
std::optional<std::int64_t> parse_byte_size(std::string_view text);

// Host bytes a plan needs with its current tiles (what fit_tiles keeps within the limit).
std::int64_t planned_host_bytes(const sweep_plan& plan, int compression_threads);
// Device bytes the CUDA backend needs (axes, their terms and two tiles).
std::int64_t planned_device_bytes(const sweep_plan& plan);

// Grows every problem's tiles to the largest chunk-aligned box within both limits and at most
// max_tile_cells cells. Throws input_error naming the limit when even one chunk per tile does
// not fit, with the smallest limit that would.
void fit_tiles(sweep_plan& plan, const memory_limits& limits, std::int64_t max_tile_cells,
               int compression_threads);

} // namespace scalesweep
