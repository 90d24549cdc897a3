// Human and JSON descriptions of a sweep plan, shared by `run` and `validate`.
#pragma once

#include "scalesweep/sweep_plan.hpp"

#include <string>

namespace scalesweep::cli {

struct resource_estimate {
  std::int64_t host_bytes;   // axes, one tile per problem and HDF5's chunk cache
  std::int64_t device_bytes; // axes and the device tile (CUDA backend)
  std::int64_t disk_bytes;   // uncompressed output
};

resource_estimate estimate_resources(const sweep_plan& plan);

// Multi-line description: title, law, objective, hardware, axes, problems, cells, resources.
std::string describe_plan(const sweep_plan& plan, const std::string& output_path);

// The same as one JSON object (validate --json).
std::string plan_json(const sweep_plan& plan, const std::string& output_path);

} // namespace scalesweep::cli
