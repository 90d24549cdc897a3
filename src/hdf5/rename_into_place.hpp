// Results are written under a temporary name and renamed into place only once complete, so no
// reader ever sees a half-written file at the final name.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace scalesweep::h5 {

// Renames `from` over `to`; throws io_error with both names and the system's reason.
void rename_into_place(const std::string& from, const std::string& to);

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

// Throws io_error when `path` no longer names the file `opened` was read from: a rename of the
// path would publish a file this process did not write.
void check_still_named(const std::string& path, const file_identity& opened);

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
