// The progress record of a result file (schema.hpp, namespace progress): how it is created and
// the one reader of it, for resume checks, the sink, rebuilds, merges and inspect.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scalesweep {

struct shard_spec;

namespace h5 {

// Creates the group and one zeroed record per problem (attributes "problem" and "variables").
void create_progress_record(hid_t file, const sweep_plan& plan, const shard_spec& shard);

// Whether `file` has a progress record (a scalesweep result that a run or merge can continue).
bool has_progress_record(hid_t file);

struct done_record {
  std::vector<std::uint8_t> done;     // 1 per chunk written and flushed, row-major chunk order
  std::vector<std::string> variables; // the datasets the chunks belong to (same chunk grid)
};

// The flags of one problem's record alone, unchecked: for a file this build created or checked
// (resume_check.hpp). Under MPI every rank reads them.
std::vector<std::uint8_t> read_done_flags(hid_t file, std::size_t problem_index);

// Reads the progress record of a file that has one (has_progress_record).
class progress_reader {
public:
  explicit progress_reader(hid_t file);

  // The part the file holds ("i/n"); nullopt where the group does not say.
  const std::optional<std::string>& shard() const { return m_shard; }
  // A merge's copy of part 1, left by a merge that was killed.
  bool merge_in_progress() const { return m_merge_in_progress; }
  // Problems recorded: records done_0 .. done_{problems()-1}.
  std::size_t problems() const { return m_problems; }
  // The problem a record belongs to ("loss-target optima"); nullopt where it does not say.
  std::optional<std::string> problem_name(std::size_t problem_index) const;
  // The record as the writer leaves it; throws io_error where it is not one 0/1 flag per chunk
  // of variables that exist (a damaged or hand-edited file): readers use the flags to decide
  // which chunks hold results.
  done_record record(std::size_t problem_index) const;

private:
  hid_t m_file;
  std::optional<std::string> m_shard;
  bool m_merge_in_progress = false;
  std::size_t m_problems = 0;
};

} // namespace h5
} // namespace scalesweep
