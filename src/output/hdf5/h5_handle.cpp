// HDF5 error-stack text for exceptions.
#include "output/hdf5/h5_handle.hpp"

namespace scalesweep::h5 {

namespace {

// A system call's failure deep in HDF5 ("file write failed: time = ..., errno = 28, error message
// = 'No space left on device', buf = ...") reads as its error message alone.
std::string system_error_text(const std::string& desc) {
  if (desc.find("unable to lock file, errno = 11,") != std::string::npos) { // EAGAIN: held
    return "the file is locked by another process (is a run still writing it?)";
  }
  const std::string key = "error message = '";
  const std::size_t begin = desc.find(key);
  if (begin == std::string::npos) {
    return desc;
  }
  const std::size_t end = desc.find('\'', begin + key.size());
  return end == std::string::npos ? desc
                                  : desc.substr(begin + key.size(), end - begin - key.size());
}

} // namespace

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
  return system_error_text(message);
}

void keep_library_alive_at_exit() {
  H5dont_atexit();
}

void silence_error_printing() {
  thread_local bool silenced = false; // HDF5's error stacks and their settings are per thread
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

} // namespace scalesweep::h5
