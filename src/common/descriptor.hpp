// A POSIX file descriptor owned by a scope: closed on every path out of it.
#pragma once

#include <unistd.h>

namespace scalesweep {

class descriptor {
public:
  explicit descriptor(int fd) : m_fd(fd) {}
  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;
  descriptor(descriptor&&) = delete;
  descriptor& operator=(descriptor&&) = delete;
  ~descriptor() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  int get() const { return m_fd; } // negative: the call that was to open it failed

private:
  int m_fd;
};

} // namespace scalesweep
