// Memory accounting: the bytes a run holds, per tile, and the largest tiles within the limits.
#include "plan/memory_budget.hpp"

#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/error.hpp"

#include "common/text_format.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace scalesweep {

std::int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : std::int64_t{4} << 30;
}

std::int64_t peak_resident_bytes() {
  // VmHWM belongs to this program's address space; getrusage's ru_maxrss is not reset by exec
  // and would report the parent's size when a large process (a Python test) started us.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024; // "VmHWM:   12345 kB"
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

std::int64_t default_host_memory_limit(int ranks_on_node) {
  const std::int64_t node = std::min(physical_memory_bytes() / 4, std::int64_t{16} << 30);
  return std::max(node / std::max(ranks_on_node, 1), std::int64_t{256} << 20);
}

int ranks_sharing_device(const std::vector<std::int64_t>& identities, int rank) {
  const std::int64_t mine = identities.at(static_cast<std::size_t>(rank));
  if (mine == 0) {
    return 1;
  }
  return static_cast<int>(std::count(identities.begin(), identities.end(), mine));
}

std::int64_t default_device_memory_limit(std::int64_t free_bytes, int sharing_ranks) {
  return free_bytes / 2 / std::max(sharing_ranks, 1);
}

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  double value = 0;
  try {
    std::size_t used = 0;
    value = std::stod(std::string(text.substr(0, i)), &used);
    if (used != i) {
      return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit(text.substr(i));
  for (char& c : unit) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    scale = 1024.0;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    scale = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TB" || unit == "TIB") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  const double bytes = value * scale;
  if (!(bytes >= 1) || bytes > 9e18) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(bytes);
}

namespace {

// The axes and their derived terms (sweep_terms.hpp), held in host and device memory for the
// whole run: per point its value and at most one term record, plus the Chinchilla budget optimum
// of every (hardware, budget) pair and, for a regret grid, the loss-target optimum of every
// (hardware, T, loss target).
std::int64_t axes_bytes(const sweep_plan& plan) {
  constexpr std::size_t largest_term = std::max(
      {sizeof(double), sizeof(hardware_terms), sizeof(loss_target_terms), sizeof(spread_terms)});
  std::int64_t bytes = 0;
  for (const axis& a : plan.axes) {
    bytes += a.size() * static_cast<std::int64_t>(sizeof(double) + largest_term);
  }
  if (const axis* budget = plan.find_axis(axis_id::budget)) {
    bytes += static_cast<std::int64_t>(plan.hardware_coefficients.size()) * budget->size() *
             static_cast<std::int64_t>(sizeof(budget_model));
  }
  const axis* T = plan.find_axis(axis_id::T);
  const axis* targets = plan.find_axis(axis_id::loss_target);
  if (plan.find_axis(axis_id::T_plan) != nullptr && T != nullptr && targets != nullptr) {
    bytes += static_cast<std::int64_t>(plan.hardware_coefficients.size()) * T->size() *
             targets->size() * static_cast<std::int64_t>(sizeof(regret_optimum));
  }
  return bytes;
}

// Per tile cell on the host: the computed columns in every buffer in flight, plus the encoded
// chunks of one tile (stored bytes; deflate output is at most that plus zlib's small bound).
double host_bytes_per_cell(const problem_grid& p) {
  return static_cast<double>(host_tiles_in_flight * p.memory_bytes_per_cell()) +
         1.01 * static_cast<double>(p.file_bytes_per_cell());
}

// Each compression thread keeps a gather buffer and a shuffle buffer of one chunk.
std::int64_t encoder_scratch_bytes(const problem_grid& p, int threads) {
  return std::int64_t{2} * threads * cells_of(p.chunk_shape) * 8 + 65536;
}

} // namespace

std::int64_t planned_host_bytes(const sweep_plan& plan, int compression_threads) {
  std::int64_t worst = 0;
  for (const problem_grid& p : plan.problems) {
    const double tile = host_bytes_per_cell(p) * static_cast<double>(cells_of(p.tile_shape));
    worst = std::max(worst, static_cast<std::int64_t>(tile) +
                                encoder_scratch_bytes(p, compression_threads));
  }
  return host_baseline_bytes + axes_bytes(plan) + worst;
}

std::int64_t planned_device_bytes(const sweep_plan& plan) {
  std::int64_t worst = 0;
  for (const problem_grid& p : plan.problems) {
    worst = std::max(worst, cells_of(p.tile_shape) * p.memory_bytes_per_cell());
  }
  return axes_bytes(plan) + device_tiles_in_flight * worst;
}

void fit_tiles(sweep_plan& plan, const memory_limits& limits, std::int64_t max_tile_cells,
               int compression_threads) {
  const std::int64_t fixed = host_baseline_bytes + axes_bytes(plan);
  if (fixed >= limits.host_bytes) {
    std::int64_t points = 0;
    for (const axis& a : plan.axes) {
      points += a.size();
    }
    throw input_error("--memory-limit " + format_bytes(static_cast<double>(limits.host_bytes)) +
                          " cannot hold the axes: their " + format_count(points) +
                          " points and per-point terms need " +
                          format_bytes(static_cast<double>(axes_bytes(plan))) +
                          ", before any tile (the grid has " + format_count(plan.total_cells()) +
                          " cells, " + format_bytes(static_cast<double>(plan.output_bytes())) +
                          " of output)",
                      "use fewer points, or raise the limit");
  }
  for (problem_grid& p : plan.problems) {
    const std::int64_t chunk_cells = cells_of(p.chunk_shape);
    const std::int64_t host_room =
        limits.host_bytes - fixed - encoder_scratch_bytes(p, compression_threads);
    auto cells = static_cast<std::int64_t>(
        static_cast<double>(std::max<std::int64_t>(host_room, 0)) / host_bytes_per_cell(p));
    if (limits.device_bytes > 0) {
      const std::int64_t device_room = limits.device_bytes - axes_bytes(plan);
      cells = std::min(cells, std::max<std::int64_t>(device_room, 0) /
                                  (device_tiles_in_flight * p.memory_bytes_per_cell()));
    }
    cells = std::min(cells, max_tile_cells);
    if (cells < chunk_cells) {
      const bool device_bound =
          limits.device_bytes > 0 && (limits.device_bytes - axes_bytes(plan)) /
                                             (device_tiles_in_flight * p.memory_bytes_per_cell()) <
                                         chunk_cells;
      if (max_tile_cells < chunk_cells && !device_bound) {
        cells = chunk_cells; // --tile-cells below one chunk: a tile is one chunk
      } else if (device_bound) {
        const std::int64_t need =
            axes_bytes(plan) + device_tiles_in_flight * chunk_cells * p.memory_bytes_per_cell();
        throw input_error("--gpu-memory-limit " +
                              format_bytes(static_cast<double>(limits.device_bytes)) +
                              " cannot hold two tiles of one HDF5 chunk of the " + p.name +
                              " (needs " + format_bytes(static_cast<double>(need)) + ")",
                          "raise the limit, or lower [output] chunk_cells");
      } else {
        const auto need = static_cast<std::int64_t>(
            static_cast<double>(fixed + encoder_scratch_bytes(p, compression_threads)) +
            host_bytes_per_cell(p) * static_cast<double>(chunk_cells));
        throw input_error("--memory-limit " + format_bytes(static_cast<double>(limits.host_bytes)) +
                              " cannot hold the " + p.name + " tiles in flight (needs at least " +
                              format_bytes(static_cast<double>(need)) + ")",
                          "raise the limit, or lower [output] chunk_cells");
      }
    }
    // Tiles cut blocks (the unit of shards and ranks), so they are at most a block.
    p.tile_shape = chunk_aligned_tile_shape(p.block_shape, p.chunk_shape, cells);
  }
}

} // namespace scalesweep
