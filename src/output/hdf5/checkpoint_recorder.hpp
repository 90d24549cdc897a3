// The checkpoints of a run: which chunks are done, recorded in the file's progress record after
// the chunks themselves reach the disk.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "output/rename_into_place.hpp"
#include "plan/sweep_plan.hpp"
#include "run/parallel/communicator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep::h5 {

class checkpoint_recorder {
public:
  // Reads the flags recorded so far (all 0 in a new file). `partial` is the file's path, which
  // must keep naming the file `identity` describes.
  checkpoint_recorder(hid_t file, const sweep_plan& plan, const communicator& comm,
                      std::string partial, const file_identity& identity);

  // One byte per chunk of problem `problem_index`: 1 where recorded done.
  const std::vector<std::uint8_t>& done(std::size_t problem_index) const {
    return m_done[problem_index];
  }

  // Marks `chunks` (of every rank) done, flushes the file and records them. Collective.
  void record(std::size_t problem_index, const std::vector<std::int64_t>& chunks);

  // Closes the records (before the file closes).
  void close() { m_records.clear(); }

private:
  hid_t m_file;
  const communicator& m_comm;
  std::string m_partial;
  file_identity m_identity;
  std::vector<handle> m_records;                 // per problem
  std::vector<std::vector<std::uint8_t>> m_done; // per problem, per chunk
};

} // namespace scalesweep::h5
