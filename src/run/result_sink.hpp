// Where computed tiles go. The HDF5 sink is the only code that touches the HDF5 API.
#pragma once

#include "backends/host_tile.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

// Facts about the run recorded next to the results.
struct run_metadata {
  std::string backend;      // compute_backend::description()
  std::string command_line; // argv as shell-quoted words
  // Set when a file is rebuilt for a resume, to keep the original run's values; empty: this
  // run's (now, this build's revision, the config's path).
  std::string created;
  std::string git_revision;
  std::string config_path;
};

// A result file being written. Chunks (the HDF5 chunks of each problem's variables) are the unit
// of progress: a checkpoint records which are done and flushes, so an interrupted run can resume.
// In an MPI run every rank holds the sink and every call but bytes_written is collective.
class result_sink {
public:
  virtual ~result_sink() = default;
  result_sink() = default;
  result_sink(const result_sink&) = delete;
  result_sink& operator=(const result_sink&) = delete;
  result_sink(result_sink&&) = delete;
  result_sink& operator=(result_sink&&) = delete;

  // One byte per chunk of problem `problem_index`: 1 where recorded done (a resumed file).
  virtual const std::vector<std::uint8_t>& done_chunks(std::size_t problem_index) const = 0;

  // Writes the chunks of `box` that are not done yet; `tile` holds the box's cells row-major.
  // MPI: every rank calls once per round, with box == tile == nullptr when it has no tile.
  void write_tile(std::size_t problem_index, const tile_box* box, const host_tile* tile) {
    do_write_tile(problem_index, box, tile);
  }
  // Records `chunks` (of every rank) as done and flushes the file.
  void checkpoint(std::size_t problem_index, const std::vector<std::int64_t>& chunks) {
    do_checkpoint(problem_index, chunks);
  }
  // Makes the results visible at their final path. Without finish() the path is untouched and
  // the partial file stays for --resume.
  void finish() { do_finish(); }
  // Bytes of result data this process wrote so far (after compression).
  virtual std::int64_t bytes_written() const = 0;

private:
  virtual void do_write_tile(std::size_t problem_index, const tile_box* box,
                             const host_tile* tile) = 0;
  virtual void do_checkpoint(std::size_t problem_index,
                             const std::vector<std::int64_t>& chunks) = 0;
  virtual void do_finish() = 0;
};

} // namespace scalesweep
