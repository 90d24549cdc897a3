// Writes the pending chunks of computed tiles into the variables of an open result file: serial
// runs encode chunks themselves and write them with H5Dwrite_chunk, MPI runs write collectively.
#pragma once

#include "backends/host_tile.hpp"
#include "output/hdf5/chunk_codec.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep::h5 {

class chunk_writer {
public:
  // `file_name` names the file in messages. `parallel`: collective MPI-IO writes.
  chunk_writer(hid_t file, const sweep_plan& plan, bool parallel, int compression_threads,
               std::string file_name);

  // Writes the chunks of `box` whose byte in `done` (one per chunk of the problem) is 0; `tile`
  // holds the box's cells row-major. MPI: every rank calls once per round, with box == tile ==
  // nullptr when it has no tile.
  void write(std::size_t problem_index, const tile_box* box, const host_tile* tile,
             const std::vector<std::uint8_t>& done);

  // Bytes of result data written so far (after compression).
  std::int64_t bytes_written() const { return m_bytes_written; }

  // Closes the variables (before the file closes).
  void close() { m_variables.clear(); }

private:
  std::vector<tile_box> pending_chunks(std::size_t problem_index, const tile_box& box,
                                       const std::vector<std::uint8_t>& done) const;
  void write_chunks(std::size_t problem_index, const tile_box& box, const host_tile& tile,
                    const std::vector<tile_box>& chunks);
  void write_collective(std::size_t problem_index, const tile_box* box, const host_tile* tile,
                        const std::vector<tile_box>& chunks);

  const sweep_plan& m_plan;
  bool m_parallel;
  int m_compression_threads;
  std::string m_file_name;
  std::vector<std::vector<handle>> m_variables;       // per problem, per output
  std::vector<std::vector<chunk_encoder>> m_encoders; // per problem, per output
  std::vector<std::vector<unsigned char>> m_encoded;  // per (chunk, variable) of a tile
  std::vector<float> m_float_scratch;
  std::int64_t m_bytes_written = 0;
};

} // namespace scalesweep::h5
