// Checks on a result file's path before any work starts (run, merge): its directory exists and
// is writable, the name leaves room for the temporary names, what is there is a regular file
// that is not one of the command's own inputs, a finished file is replaced only on request, and
// the disk has room.
#pragma once

#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scalesweep::app {

// Where a shard's part goes without -o: next to the whole run's file, out.shard-2-of-8.h5
// (the whole run's own path for an unsharded run).
std::string shard_part_path(const std::string& whole_run_path, const shard_spec& shard);

// A file the command reads, which its output must not be: "the config this run reads",
// "part 2 of this merge".
struct command_input {
  std::string path;
  std::string role;
};

// Throws input_error when `path` cannot be written: a missing or unwritable directory, a name
// too long for the temporary names beside it, something other than a regular file in its place
// (a directory, a device such as /dev/null, a FIFO, a socket: never replaced, --overwrite or
// not), one of `inputs` (the same file, by device and inode), or an existing file without
// `overwrite` (a finished sweep may have cost hours of GPU time).
void check_output_file(const std::string& path, bool overwrite,
                       const std::vector<command_input>& inputs = {});

// Bytes free to this user on the filesystem that will hold `path` (-1 when unknown).
std::int64_t free_disk_bytes(const std::string& path);

// Why a result may not fit on the disk of `path`: its size against the free space. `refused`
// when run refuses it (uncompressed); a compressed result takes an unknown fraction of its size,
// so then it is only a warning. Empty when it fits or the free space is unknown.
struct disk_space_shortfall {
  std::string what;
  std::string hint;
  bool refused;
};
std::optional<disk_space_shortfall>
disk_space_check(const std::string& path, const sweep_plan& plan, const shard_spec& shard);

} // namespace scalesweep::app
