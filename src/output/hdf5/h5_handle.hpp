// RAII owners of HDF5 identifiers and the check that folds HDF5's error stack into io_error.
#pragma once

#include "scalesweep/error.hpp"

#include <hdf5.h>

#include <string>
#include <utility>

namespace scalesweep::h5 {

// The innermost message of HDF5's error stack ("unable to open file", ...), or "".
std::string error_stack_message();

// Keeps HDF5 from shutting itself down at exit; call first thing in main, before any other HDF5
// call. HDF5 1.10 (Debian 12) crashes in that shutdown when a file's close has failed (a full
// disk, a file-size limit), turning a clean "error: ... exit 1" into a segfault. Every file is
// closed by its handle before main returns, so the shutdown has nothing left to flush.
void keep_library_alive_at_exit();

// Turns HDF5's automatic stderr printing off for the calling thread: errors become exceptions
// instead. Every thread that calls HDF5 calls it first.
void silence_error_printing();

inline void check(herr_t status, const std::string& what) {
  if (status < 0) {
    const std::string detail = error_stack_message();
    throw io_error("HDF5: " + what + (detail.empty() ? "" : ": " + detail));
  }
}

// Owns one hid_t and closes it with the matching H5?close. Move-only, noexcept destructor.
class handle {
public:
  using close_function = herr_t (*)(hid_t);

  handle() = default;
  handle(hid_t id, close_function close, const std::string& what) : m_id(id), m_close(close) {
    if (id < 0) {
      check(-1, what);
    }
  }
  handle(handle&& other) noexcept
      : m_id(std::exchange(other.m_id, H5I_INVALID_HID)), m_close(other.m_close) {}
  handle& operator=(handle&& other) noexcept {
    std::swap(m_id, other.m_id);
    std::swap(m_close, other.m_close);
    return *this;
  }
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() {
    if (m_id >= 0) {
      m_close(m_id);
    }
  }

  hid_t get() const { return m_id; }

  // Closes now and reports failure (a file's close flushes: its errors matter).
  void close(const std::string& what) {
    if (m_id >= 0) {
      const herr_t status = m_close(std::exchange(m_id, H5I_INVALID_HID));
      check(status, what);
    }
  }

private:
  hid_t m_id = H5I_INVALID_HID;
  close_function m_close = nullptr;
};

inline handle file(hid_t id, const std::string& what) {
  return {id, H5Fclose, what};
}
inline handle dataset(hid_t id, const std::string& what) {
  return {id, H5Dclose, what};
}
inline handle dataspace(hid_t id, const std::string& what) {
  return {id, H5Sclose, what};
}
inline handle datatype(hid_t id, const std::string& what) {
  return {id, H5Tclose, what};
}
inline handle attribute(hid_t id, const std::string& what) {
  return {id, H5Aclose, what};
}
inline handle property_list(hid_t id, const std::string& what) {
  return {id, H5Pclose, what};
}

} // namespace scalesweep::h5
