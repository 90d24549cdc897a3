// Results are written under a temporary name and renamed into place only once complete, so no
// reader ever sees a half-written file at the final name.
#pragma once

#include "scalesweep/error.hpp"

#include <filesystem>
#include <string>
#include <system_error>

namespace scalesweep::h5 {

// Renames `from` over `to`; throws io_error with both names and the system's reason, and
// input_error when `to` is not a regular file (a device, FIFO or socket is never replaced).
void rename_into_place(const std::string& from, const std::string& to);

// Gives the finished file `from` the name `to` only if no file has it (a hard link, then `from`
// is unlinked): throws input_error when one appeared, as another run or merge on the same output
// makes it. Where the file system has no hard links, a rename after checking.
void publish_exclusively(const std::string& from, const std::string& to);

// Which file a path names (device and inode), to tell whether it still names the file this
// process opened: another run on the same output, or a user, may delete or replace it.
struct file_identity {
  unsigned long long device = 0;
  unsigned long long inode = 0;
  bool exists = false;
  bool operator==(const file_identity& o) const {
    return exists == o.exists && device == o.device && inode == o.inode;
  }
};
file_identity identity_of(const std::string& path);

// Thrown by check_still_named: the file at the path is not (or no longer) this process's.
class file_not_ours : public io_error {
public:
  using io_error::io_error;
};

// Throws file_not_ours when `path` no longer names the file `opened` was read from: a rename of
// the path would publish a file this process did not write.
void check_still_named(const std::string& path, const file_identity& opened);

// Removes `path` if it is still the file `opened` (a failed merge or run cleans up its own
// partial file, never one another process has put at that name since).
void remove_if_ours(const std::string& path, const file_identity& opened);

// Runs `write` (which fills `temporary`), then renames `temporary` over `final_path`; a failure
// of either removes `temporary` and rethrows.
template <class Write>
void write_then_rename(const std::string& temporary, const std::string& final_path, Write&& write) {
  try {
    write();
    rename_into_place(temporary, final_path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw;
  }
}

} // namespace scalesweep::h5
