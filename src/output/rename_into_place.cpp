// Publishing a finished file by rename (rename_into_place.hpp).
#include "output/rename_into_place.hpp"

#include "scalesweep/error.hpp"

#include "common/regular_file.hpp"
#include "common/untrusted_text.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace scalesweep::h5 {

void rename_into_place(const std::string& from, const std::string& to) {
  // Checked before the work started (app/output_path.hpp); checked again here, since a device,
  // FIFO or socket may have been put at the name while the run worked.
  if (const std::optional<std::string> kind = non_regular_kind(to)) {
    throw input_error("'" + shown_token(to) + "' became " + *kind +
                          " while this process worked: the result is not renamed over it",
                      "remove it or choose another path with -o, then run again (a run's "
                      "partial file '" +
                          shown_token(from) + "' continues with --resume)");
  }
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    throw io_error("cannot rename '" + from + "' to '" + to + "': " + ec.message());
  }
}

void publish_exclusively(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return;
  }
  const int reason = errno;
  if (reason == EEXIST || std::filesystem::exists(to)) {
    throw input_error("'" + to +
                          "' appeared while this process started: another run or merge "
                          "is writing the same output",
                      "give each run or merge its own output (-o)");
  }
  if (reason != EPERM && reason != ENOTSUP && reason != ENOSYS) {
    throw io_error("cannot create '" + to + "': " + std::strerror(reason));
  }
  rename_into_place(from, to);
}

file_identity identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {};
  }
  return {static_cast<unsigned long long>(st.st_dev), static_cast<unsigned long long>(st.st_ino),
          true};
}

void check_still_named(const std::string& path, const file_identity& opened) {
  const file_identity now = identity_of(path);
  if (now == opened) {
    return;
  }
  throw file_not_ours("'" + path + "' was " +
                          (now.exists ? "replaced by another file" : "deleted or moved") +
                          " while this process wrote it, so its results are not at that name",
                      "give each run or merge its own output (-o)");
}

void remove_if_ours(const std::string& path, const file_identity& opened) {
  if (opened.exists && identity_of(path) == opened) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

} // namespace scalesweep::h5
