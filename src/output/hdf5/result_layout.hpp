// The skeleton of a result file (SPEC §4): attributes, coordinates as dimension scales, chunked
// variables, and the progress record of done chunks; plus the checks before resuming one.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "plan/sweep_plan.hpp"
#include "run/result_sink.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

struct shard_spec;

namespace h5 {

// File access: HDF5 1.8-compatible format (netCDF readers, attributes over 64 KiB, reopening a
// file flushed before a crash) and, when `mpi`, MPI-IO on MPI_COMM_WORLD.
handle file_access(bool mpi);

// Creates (truncates) the file at `path` with the creation properties of result files (link and
// attribute creation order tracked, so readers list them as written).
handle create_file(const std::string& path);

// When compressed chunks get file space. `when_written`: a fresh file; opened through MPI-IO
// with no chunk stored yet, HDF5 then allocates them all at once. `all_now` (filled with the fill
// value): a file that will hold some chunks before MPI-IO opens it. Parallel HDF5 1.10 allocates
// early only where no chunk is stored; otherwise unallocated chunks of different ranks share the
// undefined address and its collective filtered writes mistake them for one shared chunk (they
// hang). Uncompressed datasets are allocated at creation, unfilled, except with `sparse`: every
// dataset gets space for the chunks written only (a shard part of a serial run: the other parts'
// cells take no space and read as the fill values; never for a file MPI-IO will open).
enum class chunk_allocation { when_written, all_now, sparse };

// Whether resuming `file` in place is safe: every dataset is uncompressed and was allocated when
// the file was created, so no write since the last checkpoint changed its metadata. Any other
// partial file is rebuilt first (partial_rebuild.hpp).
bool resumable_in_place(hid_t file, const sweep_plan& plan);

// Creates every object of the result file in `file` (an empty, newly created file).
void create_result_skeleton(hid_t file, const sweep_plan& plan, const shard_spec& shard,
                            const run_metadata& meta,
                            chunk_allocation allocation = chunk_allocation::when_written);

// Refuses (input_error naming `path` and what differs) a partial file that another config,
// format, version or shard wrote.
void check_resumable(hid_t file, const std::string& path, const sweep_plan& plan,
                     const shard_spec& shard);

// The progress record: a group (attribute "shard") holding, per problem, one uint8 per chunk
// (attribute "variables": the datasets those chunks belong to).
inline constexpr const char* progress_group = "/_scalesweep";
std::string done_path(std::size_t problem_index);

struct done_record {
  std::vector<std::uint8_t> done;     // 1 per chunk written and flushed, row-major chunk order
  std::vector<std::string> variables; // the datasets the chunks belong to (same chunk grid)
};

// Reads the record at `path` (a done_path) as the writer leaves it; throws io_error where it is
// not one 0/1 flag per chunk of variables that exist (a damaged or hand-edited file): readers
// use the flags to decide which chunks hold results.
done_record read_done_record(hid_t file, const std::string& path);

} // namespace h5
} // namespace scalesweep
