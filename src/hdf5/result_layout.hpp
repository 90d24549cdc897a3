// The skeleton of a result file (SPEC §4): attributes, coordinates as dimension scales, chunked
// variables, and the progress record of done chunks; plus the checks before resuming one.
#pragma once

#include "scalesweep/result_sink.hpp"
#include "scalesweep/sweep_plan.hpp"

#include "h5_handle.hpp"

#include <string>
#include <vector>

namespace scalesweep {

struct shard_spec;

namespace h5 {

// File access: HDF5 1.8-compatible format (netCDF readers, attributes over 64 KiB, reopening a
// file flushed before a crash) and, when `mpi`, MPI-IO on MPI_COMM_WORLD.
handle file_access(bool mpi);

// Creates every object of the result file in `file` (an empty, newly created file).
void create_result_skeleton(hid_t file, const sweep_plan& plan, const shard_spec& shard,
                            const run_metadata& meta);

// Refuses (input_error naming `path` and what differs) a partial file that another config,
// format, version or shard wrote.
void check_resumable(hid_t file, const std::string& path, const sweep_plan& plan,
                     const shard_spec& shard);

// The progress record: a group (attribute "shard") holding, per problem, one uint8 per chunk
// (attribute "variables": the datasets those chunks belong to).
inline constexpr const char* progress_group = "/_scalesweep";
std::string done_path(std::size_t problem_index);

} // namespace h5
} // namespace scalesweep
