// Checks on a result file's path before any work starts.
#include "app/output_path.hpp"

#include "scalesweep/error.hpp"

#include "common/regular_file.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "output/output_paths.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace scalesweep::app {

namespace {

std::filesystem::path directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

} // namespace

std::string shard_part_path(const std::string& whole_run_path, const shard_spec& shard) {
  if (shard.whole()) {
    return whole_run_path;
  }
  const std::filesystem::path p(whole_run_path);
  return (p.parent_path() / (p.stem().string() + ".shard-" + std::to_string(shard.index + 1) +
                             "-of-" + std::to_string(shard.count) + p.extension().string()))
      .string();
}

void check_output_file(const std::string& path, bool overwrite,
                       const std::vector<command_input>& inputs) {
  if (path.empty()) {
    throw input_error("the output path is empty", "give a file name with -o, e.g. -o out.h5");
  }
  const std::string shown = shown_token(path);
  // `-o --json` takes the flag as the file name.
  if (path.front() == '-') {
    throw input_error("output path '" + shown + "' looks like a flag",
                      "give a file name after -o; write ./" + shown + " if you mean that name");
  }
  const std::string suffix(schema::partial_suffix);
  if (is_partial_path(path)) {
    throw input_error("output path '" + shown + "' ends in '" + suffix +
                          "', the name scalesweep gives a result while it is written",
                      "choose another name; to continue an interrupted run, give its final "
                      "name with --resume");
  }
  // The file is built as NAME.partial.creating-PID first: that name must fit too.
  const std::string name = std::filesystem::path(path).filename().string();
  const long name_max = ::pathconf(directory_of(path).c_str(), _PC_NAME_MAX);
  const auto longest = static_cast<std::size_t>(name_max > 0 ? name_max : 255);
  if (name.size() + longest_temporary_suffix() > longest) {
    throw input_error("output file name '" + shown_token(name, 40) + "' has " +
                          std::to_string(name.size()) + " characters; this filesystem takes " +
                          std::to_string(longest - longest_temporary_suffix()) +
                          " at most (room is kept for '" + longest_temporary_suffix_text + "')",
                      "choose a shorter name with -o");
  }
  std::error_code ec;
  const std::filesystem::path directory = directory_of(path);
  const std::string shown_directory = shown_token(directory.string());
  if (!std::filesystem::is_directory(directory, ec)) {
    if (std::filesystem::exists(directory)) {
      throw input_error("output directory '" + shown_directory + "' is a file, not a directory",
                        "choose another path with -o");
    }
    throw input_error("output directory '" + shown_directory + "' does not exist" +
                          (ec && ec != std::errc::no_such_file_or_directory
                               ? " or cannot be read (" + ec.message() + ")"
                               : std::string()),
                      "create it, or choose another path with -o");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw input_error("output path '" + shown + "' is a directory",
                      "give a file name, e.g. -o " + shown + "/out.h5");
  }
  // A result is published by a rename, which would replace a device node (/dev/null for the
  // whole machine), a FIFO or a socket with a regular file: refused whatever --overwrite says.
  if (const std::optional<std::string> kind = non_regular_kind(path)) {
    throw input_error("output path '" + shown + "' is " + *kind +
                          ", not a regular file: scalesweep writes results to regular files "
                          "only and replaces nothing else, --overwrite or not",
                      "choose a file name with -o; to compute without writing a result, use "
                      "`run --no-output`");
  }
  const h5::file_identity output = h5::identity_of(path);
  for (const command_input& input : inputs) {
    if (output.exists && h5::identity_of(input.path) == output) {
      throw input_error("output path '" + shown + "' is " + input.role +
                            (input.path == path ? "" : " ('" + shown_token(input.path) + "')"),
                        "give the result a name of its own with -o");
    }
  }
  // The result is written next to its final name and renamed, so the directory must be writable
  // even where the file itself would be.
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    throw input_error("cannot create files in '" + shown_directory + "': " + std::strerror(errno),
                      "choose another path with -o");
  }
  if (!overwrite && output.exists) {
    throw input_error("output file '" + shown + "' exists",
                      "pass --overwrite to replace it, or choose another path with -o");
  }
}

std::int64_t free_disk_bytes(const std::string& path) {
  std::error_code ec;
  const std::filesystem::space_info s = std::filesystem::space(directory_of(path), ec);
  return ec ? -1 : static_cast<std::int64_t>(s.available);
}

// A run that cannot fit on its disk fails before it starts, not hours later. Shards write their
// part only.
std::optional<disk_space_shortfall>
disk_space_check(const std::string& path, const sweep_plan& plan, const shard_spec& shard) {
  const std::int64_t free = free_disk_bytes(path);
  const std::int64_t needed = shard_output_bytes(plan, shard);
  if (free < 0 || needed <= free) {
    return std::nullopt;
  }
  const bool compressed = plan.config.output.compression == compression_kind::deflate;
  return disk_space_shortfall{
      "the result needs up to " + format_bytes(static_cast<double>(needed)) +
          (compressed ? " (before compression)" : "") + " but " +
          format_bytes(static_cast<double>(free)) + " is free on the disk of '" +
          shown_token(path) + "'",
      "free space, write elsewhere with -o, store the dense grids as float32 or deflated "
      "([output] dtype, compression), or pass --optima-only",
      !compressed};
}

} // namespace scalesweep::app
