// Publishing a finished file by rename (rename_into_place.hpp).
#include "rename_into_place.hpp"

#include "scalesweep/error.hpp"

#include <sys/stat.h>

namespace scalesweep::h5 {

void rename_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    throw io_error("cannot rename '" + from + "' to '" + to + "': " + ec.message());
  }
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
  throw io_error("'" + path + "' was " +
                     (now.exists ? "replaced by another file" : "deleted or moved") +
                     " while this process wrote it, so its results are not at that name",
                 "give each run its own output (-o); if its directory was moved, move it back "
                 "and resume");
}

} // namespace scalesweep::h5
