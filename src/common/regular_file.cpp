// Refusing what is not a regular file, and reading one within a size limit.
#include "common/regular_file.hpp"

#include "scalesweep/error.hpp"

#include "common/descriptor.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scalesweep {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO (named pipe)";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

std::string named(std::string_view what, const std::string& path) {
  return std::string(what) + " '" + shown_token(path) + "'";
}

[[noreturn]] void refuse_kind(std::string_view what, const std::string& path, mode_t mode) {
  throw input_error(named(what, path) + " is " + kind_of(mode) + ", not a regular file",
                    "give the path of a regular file");
}

} // namespace

std::optional<std::string> non_regular_kind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  return kind_of(st.st_mode);
}

void require_regular_file(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw input_error(errno == ENOENT
                          ? named(what, path) + " does not exist"
                          : "cannot read " + named(what, path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    refuse_kind(what, path, st.st_mode);
  }
}

std::string read_regular_file(const std::string& path, std::int64_t max_bytes,
                              std::string_view what) {
  // O_NONBLOCK: opening a FIFO that no process writes returns at once instead of waiting for a
  // writer; a regular file reads as usual with it.
  const descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    throw input_error("cannot read " + named(what, path) + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw input_error("cannot read " + named(what, path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    refuse_kind(what, path, st.st_mode);
  }
  const std::string limit = "; a " + std::string(what) + " may hold at most " +
                            format_bytes(static_cast<double>(max_bytes));
  if (st.st_size > max_bytes) {
    throw input_error(named(what, path) + " has " + format_count(st.st_size) + " bytes" + limit,
                      "is it the right file?");
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw input_error("cannot read " + named(what, path) + ": " + std::strerror(errno));
    }
    if (n == 0) {
      return text;
    }
    text.append(buffer, static_cast<std::size_t>(n));
    if (static_cast<std::int64_t>(text.size()) > max_bytes) {
      throw input_error(named(what, path) + " grew past the limit while it was read" + limit);
    }
  }
}

} // namespace scalesweep
