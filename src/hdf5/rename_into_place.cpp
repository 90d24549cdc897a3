// Publishing a finished file by rename (rename_into_place.hpp).
#include "rename_into_place.hpp"

#include "scalesweep/error.hpp"

namespace scalesweep::h5 {

void rename_into_place(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    throw io_error("cannot rename '" + from + "' to '" + to + "': " + ec.message());
  }
}

} // namespace scalesweep::h5
