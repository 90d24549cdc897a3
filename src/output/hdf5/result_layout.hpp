// The skeleton of a result file (SPEC §4, names from output/schema.hpp): attributes, coordinates
// as dimension scales, chunked variables, and the progress record of done chunks.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "plan/sweep_plan.hpp"
#include "run/result_sink.hpp"

#include <string>

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

// Creates every object of the result file in `file` (an empty, newly created file).
void create_result_skeleton(hid_t file, const sweep_plan& plan, const shard_spec& shard,
                            const run_metadata& meta,
                            chunk_allocation allocation = chunk_allocation::when_written);

} // namespace h5
} // namespace scalesweep
