// Checks on a result file's path before any work starts (run, merge): its directory exists and
// is writable, a finished file is replaced only on request, the disk has room.
#pragma once

#include "plan/work_assignment.hpp"

#include <cstdint>
#include <string>

namespace scalesweep::app {

// Where a shard's part goes without -o: next to the whole run's file, out.shard-2-of-8.h5
// (the whole run's own path for an unsharded run).
std::string shard_part_path(const std::string& whole_run_path, const shard_spec& shard);

// Throws input_error when `path` cannot be written: a missing or unwritable directory, a
// directory in its place, or an existing file without `overwrite` (a finished sweep may have
// cost hours of GPU time).
void check_output_file(const std::string& path, bool overwrite);

// Bytes free to this user on the filesystem that will hold `path` (-1 when unknown).
std::int64_t free_disk_bytes(const std::string& path);

} // namespace scalesweep::app
