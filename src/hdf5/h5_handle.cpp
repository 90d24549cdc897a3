// HDF5 error-stack text for exceptions.
#include "h5_handle.hpp"

#include <mutex>

namespace scalesweep::h5 {

std::string error_stack_message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        if (e->desc != nullptr && *e->desc != '\0') {
          *static_cast<std::string*>(out) = e->desc; // keep the innermost
        }
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

void silence_error_printing() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

} // namespace scalesweep::h5
