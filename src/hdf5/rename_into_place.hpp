// Results are written under a temporary name and renamed into place only once complete, so no
// reader ever sees a half-written file at the final name.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace scalesweep::h5 {

// Renames `from` over `to`; throws io_error with both names and the system's reason.
void rename_into_place(const std::string& from, const std::string& to);

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
