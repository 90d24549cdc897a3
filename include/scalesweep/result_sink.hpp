// Where computed tiles go. The HDF5 sink is the only code that touches the HDF5 API.
#pragma once

#include "scalesweep/host_tile.hpp"
#include "scalesweep/sweep_plan.hpp"

#include <memory>
#include <string>

namespace scalesweep {

// Facts about the run recorded next to the results.
struct run_metadata {
  std::string backend;      // compute_backend::description()
  std::string command_line; // argv joined
};

class result_sink {
public:
  virtual ~result_sink() = default;
  result_sink() = default;
  result_sink(const result_sink&) = delete;
  result_sink& operator=(const result_sink&) = delete;
  result_sink(result_sink&&) = delete;
  result_sink& operator=(result_sink&&) = delete;

  // problem_index: position in plan.problems. The tile's cells are box row-major.
  void write_tile(std::size_t problem_index, const tile_box& box, const host_tile& tile) {
    do_write_tile(problem_index, box, tile);
  }
  // Makes the results visible at their final path. A sink destroyed without finish() leaves
  // nothing at that path.
  void finish() { do_finish(); }
  // Bytes of result data written so far (after compression).
  virtual std::int64_t bytes_written() const = 0;

private:
  virtual void do_write_tile(std::size_t problem_index, const tile_box& box,
                             const host_tile& tile) = 0;
  virtual void do_finish() = 0;
};

// Writes SPEC §4's layout to `path + ".partial"` and renames it to `path` in finish(); chunks
// are encoded (converted, shuffled, deflated) on `compression_threads` threads. The plan must
// outlive the sink. write_tile must be called from one thread at a time.
std::unique_ptr<result_sink> make_hdf5_sink(const sweep_plan& plan, const std::string& path,
                                            const run_metadata& meta, int compression_threads);

// Format version of result files (root attribute scalesweep_format_version); readers check it.
inline constexpr std::int64_t result_format_version = 1;

} // namespace scalesweep
