// Removing the temporary files of runs that died while they created their partial file.
#include "output/stale_temporaries.hpp"

#include "output/schema.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace scalesweep {

namespace {

// The PID a temporary name ends in, or -1 when the rest is not a PID.
long long pid_of(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.size() - prefix.size() > 10) {
    return -1;
  }
  long long pid = 0;
  for (std::size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') {
      return -1;
    }
    pid = pid * 10 + (name[i] - '0');
  }
  return pid > 0 && pid <= std::numeric_limits<pid_t>::max() ? pid : -1;
}

bool process_has_ended(long long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes `path` if it is still the regular file of this user that `seen` describes and no
// process holds HDF5's lock on it; the lock is held across the unlink.
bool remove_if_unlocked(const std::string& path, const struct stat& seen) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (fd < 0) {
    return false;
  }
  struct stat now {};
  bool removed = false;
  if (::fstat(fd, &now) == 0 && now.st_dev == seen.st_dev && now.st_ino == seen.st_ino &&
      ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    removed = ::unlink(path.c_str()) == 0;
  }
  ::close(fd);
  return removed;
}

} // namespace

std::vector<stale_temporary> remove_stale_temporaries(const output_paths& paths) {
  const std::filesystem::path partial(paths.partial);
  const std::filesystem::path directory =
      partial.parent_path().empty() ? std::filesystem::path(".") : partial.parent_path();
  const std::string prefix = partial.filename().string() + std::string(schema::creating_infix);
  std::vector<stale_temporary> removed;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long long pid = pid_of(name, prefix);
    if (pid < 0 || pid == static_cast<long long>(::getpid())) {
      continue;
    }
    const std::string path = it->path().string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        !process_has_ended(pid)) {
      continue;
    }
    if (remove_if_unlocked(path, st)) {
      removed.push_back({path, pid});
    }
  }
  return removed;
}

} // namespace scalesweep
