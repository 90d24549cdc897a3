// Human and JSON descriptions of a sweep plan, shared by `run` and `validate`.
#pragma once

#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"

#include <string>

namespace scalesweep::app {

// The memory a run's tiles plan to hold and the limits they were fitted to (device fields 0
// without a GPU; a device limit of 0 with GPU bytes: the device is not known here).
struct memory_use {
  std::int64_t host_bytes;
  std::int64_t host_limit;
  std::int64_t device_bytes;
  std::int64_t device_limit;
};

// Multi-line description: title, law, objective, hardware, axes, problems, cells, memory; for
// a shard, its cells and the size of its part.
std::string describe_plan(const sweep_plan& plan, const std::string& output_path,
                          const memory_use& memory, const shard_spec& shard);

// The backend a plan was made for ("cpu", "cuda") and why ("auto: no CUDA device on this
// machine", "--backend cuda").
struct chosen_backend {
  std::string kind;
  std::string reason;
};

// The same as one JSON object (validate --json).
std::string plan_json(const sweep_plan& plan, const std::string& output_path,
                      const memory_use& memory, const chosen_backend& backend,
                      const shard_spec& shard);

// Why a shard has no cells to compute (more shards than blocks), without "warning: "; empty
// when it has some.
std::string shard_without_work(const sweep_plan& plan, const shard_spec& shard);

// The config's warnings (accepted but probably not meant), as "warning: ..." lines on stderr.
void print_config_warnings(const sweep_config& config);

} // namespace scalesweep::app
