// A forked child for work on untrusted input: pipes for its output and its verdict, a shared
// progress counter, and a watchdog on its CPU time (see isolated_call.hpp).
#include "common/isolated_call.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <new>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace scalesweep {

namespace {

// In the child: the counter the parent watches (shared memory); null elsewhere.
std::atomic<std::uint64_t>* progress_counter = nullptr;

// What the child's verdict says it ended with.
enum class verdict : unsigned char {
  returned,
  input_error,
  io_error,
  other_error,
  out_of_memory,
  internal,
};

// A pipe whose ends close themselves (and never leak into other children: O_CLOEXEC).
struct pipe_ends {
  int read = -1, write = -1;
  pipe_ends() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw io_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    read = fds[0];
    write = fds[1];
  }
  ~pipe_ends() {
    close_read();
    close_write();
  }
  pipe_ends(const pipe_ends&) = delete;
  pipe_ends& operator=(const pipe_ends&) = delete;
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

// The shared page holding the progress counter, unmapped when the call ends.
struct shared_counter {
  void* page = MAP_FAILED;
  std::atomic<std::uint64_t>* counter = nullptr;
  shared_counter() {
    page = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
      throw io_error(std::string("cannot map shared memory: ") + std::strerror(errno));
    }
    counter = new (page) std::atomic<std::uint64_t>(0);
  }
  ~shared_counter() { ::munmap(page, sizeof(std::atomic<std::uint64_t>)); }
  shared_counter(const shared_counter&) = delete;
  shared_counter& operator=(const shared_counter&) = delete;
};

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return; // the parent went away: nothing left to tell
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void write_text(int fd, const std::string& s) {
  const auto size = static_cast<std::uint32_t>(s.size());
  write_all(fd, &size, sizeof size);
  write_all(fd, s.data(), s.size());
}

// The child's verdict: one byte for how the work ended, then the message and the hint.
void send_verdict(int fd, verdict v, const std::string& message = {},
                  const std::string& hint = {}) {
  write_all(fd, &v, 1);
  write_text(fd, message);
  write_text(fd, hint);
}

// The child's address space: what it holds at the fork plus `extra`. Relative, because what the
// process already maps (CUDA's reservations, a sanitizer's shadow) has nothing to do with the
// input.
void limit_address_space(std::int64_t extra) {
  long pages = 0;
  std::ifstream statm("/proc/self/statm");
  if (!(statm >> pages) || extra <= 0) {
    return;
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0) {
    return;
  }
  const auto wanted = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) +
                      static_cast<rlim_t>(extra);
  if (limit.rlim_max == RLIM_INFINITY || wanted < limit.rlim_max) {
    limit.rlim_cur = wanted;
    ::setrlimit(RLIMIT_AS, &limit);
  }
}

[[noreturn]] void run_child(const std::function<void()>& work, const isolation_limits& limits,
                            std::atomic<std::uint64_t>* counter, int out, int err, int control) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // the parent's end is the child's end
  // Interrupts end the child as they would the command; the parent sees which signal it was.
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) {
    if (std::signal(s, SIG_DFL) == SIG_IGN) {
      std::signal(s, SIG_IGN);
    }
  }
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  progress_counter = counter;
  limit_address_space(limits.extra_address_space);
  verdict v = verdict::returned;
  std::string message, hint;
  try {
    work();
  } catch (const input_error& e) {
    v = verdict::input_error, message = e.what(), hint = e.hint();
  } catch (const io_error& e) {
    v = verdict::io_error, message = e.what(), hint = e.hint();
  } catch (const error& e) {
    v = verdict::other_error, message = e.what(), hint = e.hint();
  } catch (const std::bad_alloc&) {
    v = verdict::out_of_memory;
  } catch (const std::exception& e) {
    v = verdict::internal, message = e.what();
  } catch (...) {
    v = verdict::internal, message = "an unknown exception";
  }
  std::fflush(stdout);
  std::fflush(stderr);
  send_verdict(control, v, message, hint);
  ::_exit(0); // no exit handlers: they belong to the parent (HDF5's, MPI's, the sanitizers')
}

// CPU seconds (user + system) the process `pid` has used, or a negative number when unknown.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return -1;
  }
  const std::size_t name_end = line.rfind(')'); // the command name may hold spaces
  if (name_end == std::string::npos) {
    return -1;
  }
  // After the name: state (field 3) ... utime (14), stime (15).
  const char* p = line.c_str() + name_end + 2;
  for (int field = 3; field < 14 && *p != '\0'; ++field) {
    p = std::strchr(p, ' ');
    if (p == nullptr) {
      return -1;
    }
    ++p;
  }
  char* end = nullptr;
  const unsigned long long user = std::strtoull(p, &end, 10);
  const unsigned long long system = std::strtoull(end, nullptr, 10);
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The parent's side: reads the child's three pipes until they close, and kills the child when it
// spins or prints too much.
struct child_watch {
  pid_t pid;
  const isolation_limits& limits;
  const std::atomic<std::uint64_t>& counter;
  std::string out, err, control;
  bool killed_spinning = false, killed_printing = false;

  void kill_child(bool& reason) {
    reason = true;
    ::kill(pid, SIGKILL);
  }

  // Appends what `fd` has; false at its end.
  bool drain(int fd, std::string& into) {
    char buffer[65536];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      return errno == EINTR || errno == EAGAIN;
    }
    if (n == 0) {
      return false;
    }
    if (static_cast<std::int64_t>(into.size()) + n > limits.max_output) {
      if (!killed_printing) {
        kill_child(killed_printing);
      }
      return true;
    }
    into.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  void watch(int out_fd, int err_fd, int control_fd) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {control_fd, POLLIN, 0}};
    std::string* into[3] = {&out, &err, &control};
    int open = 3;
    std::uint64_t seen = counter.load();
    double cpu_at_progress = 0;
    auto wall_at_progress = std::chrono::steady_clock::now();
    while (open > 0) {
      const int ready = ::poll(fds, 3, 100);
      if (ready < 0 && errno != EINTR) {
        kill_child(killed_spinning); // cannot watch it: do not let it run unwatched
        return;
      }
      for (int i = 0; i < 3 && ready > 0; ++i) {
        if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
            !drain(fds[i].fd, *into[i])) {
          fds[i].fd = -1;
          --open;
        }
      }
      if (killed_spinning || killed_printing) {
        continue; // drain what is left until the pipes close
      }
      const double cpu = cpu_seconds(pid);
      const auto now = std::chrono::steady_clock::now();
      if (const std::uint64_t c = counter.load(); c != seen) {
        seen = c;
        cpu_at_progress = cpu;
        wall_at_progress = now;
        continue;
      }
      // Without /proc, wall time stands in for CPU time.
      const double idle = cpu >= 0 ? cpu - cpu_at_progress
                                   : std::chrono::duration<double>(now - wall_at_progress).count();
      if (idle > limits.spin_cpu_seconds) {
        kill_child(killed_spinning);
      }
    }
  }
};

std::string read_text(const std::string& s, std::size_t& at) {
  std::uint32_t size = 0;
  if (at + sizeof size > s.size()) {
    return {};
  }
  std::memcpy(&size, s.data() + at, sizeof size);
  at += sizeof size;
  const std::size_t n = std::min<std::size_t>(size, s.size() - at);
  std::string text = s.substr(at, n);
  at += n;
  return text;
}

[[noreturn]] void rethrow_verdict(const std::string& control, const std::string& err) {
  const auto v = static_cast<verdict>(control[0]);
  std::size_t at = 1;
  const std::string message = read_text(control, at);
  const std::string hint = read_text(control, at);
  // What the child printed to stderr before it failed (warnings) comes before the error.
  std::fputs(err.c_str(), stderr);
  switch (v) {
  case verdict::input_error:
    throw input_error(message, hint);
  case verdict::io_error:
    throw io_error(message, hint);
  case verdict::other_error:
    throw error(message, hint);
  case verdict::out_of_memory:
    throw isolation_failure(isolation_end::out_of_memory, 0, "ran out of memory");
  case verdict::returned:
  case verdict::internal:
    break;
  }
  throw error("internal: " + message);
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

} // namespace

isolation_limits default_isolation_limits() {
  isolation_limits limits;
  if (const char* v = std::getenv("SCALESWEEP_SPIN_SECONDS"); v != nullptr) {
    char* end = nullptr;
    const double seconds = std::strtod(v, &end);
    if (end != v && seconds > 0) {
      limits.spin_cpu_seconds = seconds;
    }
  }
  return limits;
}

isolated_output run_isolated(const std::function<void()>& work, const isolation_limits& limits) {
  if (in_isolated_call()) {
    work(); // already isolated: what it prints goes to the outer call's capture
    return {};
  }
  pipe_ends out, err, control;
  const shared_counter progress;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw io_error(std::string("cannot start a child process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    run_child(work, limits, progress.counter, out.write, err.write, control.write);
  }
  out.close_write();
  err.close_write();
  control.close_write();
  child_watch w{pid, limits, *progress.counter, {}, {}, {}};
  w.watch(out.read, err.read, control.read);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (w.killed_spinning) {
    throw isolation_failure(isolation_end::spun, SIGKILL,
                            "spun: " + seconds_text(limits.spin_cpu_seconds) +
                                " s of CPU without progress");
  }
  if (w.killed_printing) {
    throw isolation_failure(isolation_end::out_of_memory, SIGKILL,
                            "printed more than " + std::to_string(limits.max_output) + " bytes");
  }
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    if (signal == SIGINT || signal == SIGTERM || signal == SIGHUP) {
      // Sent to the whole command (a Ctrl-C, a batch system's stop): it ends as it would have.
      std::signal(signal, SIG_DFL);
      ::kill(::getpid(), signal);
    }
    // The first line the child printed last (glibc's "free(): invalid pointer") says why.
    std::string last =
        w.err.substr(w.err.rfind('\n', w.err.size() >= 2 ? w.err.size() - 2 : 0) + 1);
    last.erase(last.find_last_not_of('\n') + 1);
    throw isolation_failure(isolation_end::crashed, signal,
                            std::string("crashed (") + ::strsignal(signal) +
                                (last.empty() || last.size() > 200 ? "" : ": " + last) + ")");
  }
  if (w.control.empty()) {
    throw isolation_failure(isolation_end::crashed, 0,
                            "exited with status " + std::to_string(WEXITSTATUS(status)) +
                                " before it finished");
  }
  if (static_cast<verdict>(w.control[0]) != verdict::returned) {
    rethrow_verdict(w.control, w.err);
  }
  return {std::move(w.out), std::move(w.err)};
}

void isolation_progress() noexcept {
  if (progress_counter != nullptr) {
    progress_counter->fetch_add(1, std::memory_order_relaxed);
  }
}

bool in_isolated_call() noexcept {
  return progress_counter != nullptr;
}

} // namespace scalesweep
