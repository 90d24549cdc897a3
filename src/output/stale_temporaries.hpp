// A run killed (kill -9, a node lost) while it built its partial file leaves
// OUT.partial.creating-PID behind, sparse but as large as the grid; the next run on the same
// output removes it once it is sure that no process is still building it.
#pragma once

#include "output/output_paths.hpp"

#include <string>
#include <vector>

namespace scalesweep {

struct stale_temporary {
  std::string path;
  long long pid; // of the process that left it
};

// Removes each `paths.partial`.creating-PID beside the partial file that is stale: a regular
// file owned by this user, its PID not a running process here (kill(pid, 0) says ESRCH), and no
// process anywhere holding it open under HDF5's file lock (flock succeeds; a run on another host
// of a shared file system would hold it). Anything else is left alone. Returns what it removed;
// errors while looking are ignored (a stale file is only wasted space).
std::vector<stale_temporary> remove_stale_temporaries(const output_paths& paths);

} // namespace scalesweep
