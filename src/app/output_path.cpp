// Checks on a result file's path before any work starts.
#include "app/output_path.hpp"

#include "scalesweep/error.hpp"

#include "output/output_paths.hpp"
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

void check_output_file(const std::string& path, bool overwrite) {
  if (path.empty()) {
    throw input_error("the output path is empty", "give a file name with -o, e.g. -o out.h5");
  }
  // `-o --json` takes the flag as the file name.
  if (path.front() == '-') {
    throw input_error("output path '" + path + "' looks like a flag",
                      "give a file name after -o; write ./" + path + " if you mean that name");
  }
  const std::string suffix(schema::partial_suffix);
  if (is_partial_path(path)) {
    throw input_error("output path '" + path + "' ends in '" + suffix +
                          "', the name scalesweep gives a result while it is written",
                      "choose another name; to continue an interrupted run, give its final "
                      "name with --resume");
  }
  // The file is written as NAME.partial first: that name must fit too.
  const std::string name = std::filesystem::path(path).filename().string();
  const long name_max = ::pathconf(directory_of(path).c_str(), _PC_NAME_MAX);
  const auto longest = static_cast<std::size_t>(name_max > 0 ? name_max : 255);
  if (name.size() + suffix.size() > longest) {
    throw input_error("output file name '" + name.substr(0, 40) + "...' has " +
                          std::to_string(name.size()) + " characters; this filesystem takes " +
                          std::to_string(longest - suffix.size()) + " at most (room is kept for '" +
                          suffix + "')",
                      "choose a shorter name with -o");
  }
  std::error_code ec;
  const std::filesystem::path directory = directory_of(path);
  if (!std::filesystem::is_directory(directory, ec)) {
    if (std::filesystem::exists(directory)) {
      throw input_error("output directory '" + directory.string() + "' is a file, not a directory",
                        "choose another path with -o");
    }
    throw input_error("output directory '" + directory.string() + "' does not exist" +
                          (ec && ec != std::errc::no_such_file_or_directory
                               ? " or cannot be read (" + ec.message() + ")"
                               : std::string()),
                      "create it, or choose another path with -o");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw input_error("output path '" + path + "' is a directory",
                      "give a file name, e.g. -o " + path + "/out.h5");
  }
  // The result is written next to its final name and renamed, so the directory must be writable
  // even where the file itself would be.
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    throw input_error("cannot create files in '" + directory.string() +
                          "': " + std::strerror(errno),
                      "choose another path with -o");
  }
  if (!overwrite && std::filesystem::exists(path, ec)) {
    throw input_error("output file '" + path + "' exists",
                      "pass --overwrite to replace it, or choose another path with -o");
  }
}

std::int64_t free_disk_bytes(const std::string& path) {
  std::error_code ec;
  const std::filesystem::space_info s = std::filesystem::space(directory_of(path), ec);
  return ec ? -1 : static_cast<std::int64_t>(s.available);
}

} // namespace scalesweep::app
