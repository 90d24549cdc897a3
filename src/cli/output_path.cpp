// Checks on a result file's path before any work starts.
#include "output_path.hpp"

#include "scalesweep/error.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace scalesweep::cli {

namespace {

std::filesystem::path directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

} // namespace

void check_output_file(const std::string& path, bool overwrite) {
  if (path.empty()) {
    throw input_error("the output path is empty", "give a file name with -o, e.g. -o out.h5");
  }
  const std::filesystem::path directory = directory_of(path);
  if (!std::filesystem::is_directory(directory)) {
    throw input_error("output directory '" + directory.string() + "' does not exist",
                      "create it, or choose another path with -o");
  }
  if (std::filesystem::is_directory(path)) {
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
  if (!overwrite && std::filesystem::exists(path)) {
    throw input_error("output file '" + path + "' exists",
                      "pass --overwrite to replace it, or choose another path with -o");
  }
}

std::int64_t free_disk_bytes(const std::string& path) {
  std::error_code ec;
  const std::filesystem::space_info s = std::filesystem::space(directory_of(path), ec);
  return ec ? -1 : static_cast<std::int64_t>(s.available);
}

} // namespace scalesweep::cli
