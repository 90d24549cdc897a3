// The HDF5 result sink (SPEC §4's layout): what a run hands tiles to. Built from pieces with one
// job each: partial_file (create or resume), chunk_writer (encode and write chunks),
// checkpoint_recorder (the progress record) and the publishing rename at the end.
#pragma once

#include "output/output_paths.hpp"
#include "run/result_sink.hpp"

#include <memory>

namespace scalesweep {

class communicator;
struct shard_spec;

struct sink_options {
  output_paths paths; // the file is written at paths.partial, published at paths.final_path
  run_metadata meta;
  int compression_threads; // threads encoding chunks (serial writes)
  bool resume;             // continue paths.partial instead of creating it
};

// Serial runs encode chunks themselves (conversion, shuffle, deflate on compression_threads) and
// write them with H5Dwrite_chunk; MPI runs create the file on rank 0 and write collectively with
// MPI-IO. The plan and communicator must outlive the sink.
std::unique_ptr<result_sink> open_hdf5_sink(const sweep_plan& plan, const shard_spec& shard,
                                            const communicator& comm, const sink_options& options);

} // namespace scalesweep
