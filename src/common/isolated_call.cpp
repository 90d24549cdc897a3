// A forked child for work on untrusted input: pipes for its output and its verdict, a shared page
// for its progress, notes and stop requests, and a watchdog on its CPU time (isolated_call.hpp).
#include "common/isolated_call.hpp"

#include <climits>

#include <algorithm>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace scalesweep {

namespace {

// Shared between the parent and the child (an anonymous shared mapping made before the fork).
struct shared_page {
  std::atomic<std::uint64_t> progress{0};
  std::atomic<int> stop_signal{0};
  char note[512] = {};
  // The file the child writes: path, device and inode, valid while `owned` is set.
  std::atomic<bool> owned{false};
  char owned_path[PATH_MAX] = {};
  unsigned long long owned_device = 0, owned_inode = 0;
};

// In the child: its page; null elsewhere.
shared_page* child_page = nullptr;

// What the child's verdict says it ended with.
enum class verdict : unsigned char {
  returned,
  interrupted,
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

// The shared page, unmapped when the call ends.
struct shared_mapping {
  void* memory = MAP_FAILED;
  shared_page* page = nullptr;
  shared_mapping() {
    memory = ::mmap(nullptr, sizeof(shared_page), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      throw io_error(std::string("cannot map shared memory: ") + std::strerror(errno));
    }
    page = new (memory) shared_page();
  }
  ~shared_mapping() { ::munmap(memory, sizeof(shared_page)); }
  shared_mapping(const shared_mapping&) = delete;
  shared_mapping& operator=(const shared_mapping&) = delete;
};

// --- the parent's interrupt handling while a child works ----------------------------------------

constexpr int relayed_signals[] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t parent_first_signal = 0;
volatile std::sig_atomic_t parent_second_signal = 0;
shared_page* volatile parent_page = nullptr; // the page of the call with tell_the_child

extern "C" void on_parent_signal(int signal) {
  if (parent_first_signal == 0) {
    parent_first_signal = signal;
    if (shared_page* page = parent_page; page != nullptr) {
      page->stop_signal.store(signal);
    }
  } else {
    parent_second_signal = signal;
  }
}

// Installs on_parent_signal for the call and restores the previous handlers after it; a signal
// ignored when the call began (nohup) stays ignored.
class parent_handlers {
public:
  explicit parent_handlers(shared_page* tell) {
    parent_first_signal = 0;
    parent_second_signal = 0;
    parent_page = tell;
    for (std::size_t i = 0; i < std::size(relayed_signals); ++i) {
      struct sigaction handler {};
      handler.sa_handler = on_parent_signal;
      sigemptyset(&handler.sa_mask);
      ::sigaction(relayed_signals[i], nullptr, &m_previous[i]);
      if (m_previous[i].sa_handler != SIG_IGN) {
        ::sigaction(relayed_signals[i], &handler, nullptr);
      }
    }
  }
  ~parent_handlers() {
    for (std::size_t i = 0; i < std::size(relayed_signals); ++i) {
      ::sigaction(relayed_signals[i], &m_previous[i], nullptr);
    }
    parent_page = nullptr;
  }
  parent_handlers(const parent_handlers&) = delete;
  parent_handlers& operator=(const parent_handlers&) = delete;

private:
  struct sigaction m_previous[std::size(relayed_signals)]{};
};

// Ends the command with `signal`, as it would have ended without the child.
[[noreturn]] void end_with(int signal) {
  std::signal(signal, SIG_DFL);
  ::kill(::getpid(), signal);
  std::_Exit(128 + signal); // not reached
}

// --- the child ----------------------------------------------------------------------------------

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

// The child's verdict: how the work ended, a number (the signal of an interrupt), the message and
// the hint.
void send_verdict(int fd, verdict v, int number, const std::string& message,
                  const std::string& hint) {
  write_all(fd, &v, 1);
  write_all(fd, &number, sizeof number);
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

[[noreturn]] void run_child(const std::function<void()>& work, const isolation_options& options,
                            shared_page* page, int out, int err, int control) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // the parent's end is the child's end
  for (const int s : relayed_signals) {
    std::signal(s, SIG_IGN); // the parent relays them (isolated_interrupts)
  }
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  child_page = page;
  limit_address_space(options.extra_address_space);
  verdict v = verdict::returned;
  int number = 0;
  std::string message, hint;
  try {
    work();
  } catch (const run_interrupted& e) {
    v = verdict::interrupted, number = e.signal(), message = e.what();
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
  send_verdict(control, v, number, message, hint);
  ::_exit(0); // no exit handlers: they belong to the parent (HDF5's, MPI's, the sanitizers')
}

// --- the parent's watch -------------------------------------------------------------------------

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

// Why the parent killed the child, if it did.
enum class kill_reason { none, spinning, stalling, printing, interrupt };

// Reads the child's three pipes until they close; kills the child when it spins, prints too
// much, or an interrupt says so.
struct child_watch {
  pid_t pid;
  const isolation_options& options;
  const shared_page& page;
  std::string out, err, control;
  kill_reason killed = kill_reason::none;

  void kill_child(kill_reason why) {
    if (killed == kill_reason::none) {
      killed = why;
      ::kill(pid, SIGKILL);
    }
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
    if (static_cast<std::int64_t>(into.size()) + n > options.max_output) {
      kill_child(kill_reason::printing);
      return true;
    }
    into.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  void watch(int out_fd, int err_fd, int control_fd) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {control_fd, POLLIN, 0}};
    std::string* into[3] = {&out, &err, &control};
    int open = 3;
    std::uint64_t seen = page.progress.load();
    double cpu_at_progress = 0;
    auto wall_at_progress = std::chrono::steady_clock::now();
    // The limits are checked when poll returns: at least every 100 ms, and four times per spin
    // limit where that is shorter (a fuzzing harness sets 0.05 s), so that a spinning child is
    // killed near its limit rather than at the next 100 ms.
    const int poll_ms =
        static_cast<int>(std::clamp(options.spin_cpu_seconds * 1000.0 / 4.0, 1.0, 100.0));
    while (open > 0) {
      const int ready = ::poll(fds, 3, poll_ms);
      if (ready < 0 && errno != EINTR) {
        kill_child(kill_reason::spinning); // cannot watch it: do not let it run unwatched
      }
      for (int i = 0; i < 3 && ready > 0; ++i) {
        if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
            !drain(fds[i].fd, *into[i])) {
          fds[i].fd = -1;
          --open;
        }
      }
      const bool tell = options.interrupts == isolated_interrupts::tell_the_child;
      if (parent_second_signal != 0 || (parent_first_signal != 0 && !tell)) {
        kill_child(kill_reason::interrupt);
      }
      if (killed != kill_reason::none) {
        continue; // drain what is left until the pipes close
      }
      const double cpu = cpu_seconds(pid);
      const auto now = std::chrono::steady_clock::now();
      if (const std::uint64_t c = page.progress.load(); c != seen) {
        seen = c;
        cpu_at_progress = cpu;
        wall_at_progress = now;
        continue;
      }
      // Without /proc, wall time stands in for CPU time.
      const double idle = cpu >= 0 ? cpu - cpu_at_progress
                                   : std::chrono::duration<double>(now - wall_at_progress).count();
      if (idle > options.spin_cpu_seconds) {
        kill_child(kill_reason::spinning);
      } else if (std::chrono::duration<double>(now - wall_at_progress).count() >
                 options.stall_wall_seconds) {
        kill_child(kill_reason::stalling);
      }
    }
  }
};

// Removes the file the dead child owned, if its path still names it.
void remove_owned_file(const shared_page& page) {
  if (!page.owned.load()) {
    return;
  }
  struct stat now {};
  if (::stat(page.owned_path, &now) == 0 &&
      static_cast<unsigned long long>(now.st_dev) == page.owned_device &&
      static_cast<unsigned long long>(now.st_ino) == page.owned_inode) {
    ::unlink(page.owned_path);
  }
}

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

[[noreturn]] void rethrow_verdict(const std::string& control, const std::string& err,
                                  const std::string& note) {
  const auto v = static_cast<verdict>(control[0]);
  int number = 0;
  if (control.size() >= 1 + sizeof number) {
    std::memcpy(&number, control.data() + 1, sizeof number);
  }
  std::size_t at = 1 + sizeof number;
  const std::string message = read_text(control, at);
  const std::string hint = read_text(control, at);
  // What the child printed to stderr before it failed (warnings) comes before the error.
  std::fputs(err.c_str(), stderr);
  switch (v) {
  case verdict::interrupted:
    throw run_interrupted(number, message);
  case verdict::input_error:
    throw input_error(message, hint);
  case verdict::io_error:
    throw io_error(message, hint);
  case verdict::other_error:
    throw error(message, hint);
  case verdict::out_of_memory:
    throw isolation_failure(isolation_end::out_of_memory, 0, "ran out of memory", note);
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

// The last line the child printed (glibc's "free(): invalid pointer" before an abort), if short.
std::string last_line(const std::string& err) {
  std::string line = err.substr(0, err.find_last_not_of('\n') + 1);
  line = line.substr(line.rfind('\n') == std::string::npos ? 0 : line.rfind('\n') + 1);
  return line.size() <= 200 ? line : std::string();
}

} // namespace

isolation_options default_isolation_options() {
  isolation_options options;
  const auto seconds_from = [](const char* name, double& into) {
    if (const char* v = std::getenv(name); v != nullptr) {
      char* end = nullptr;
      const double seconds = std::strtod(v, &end);
      if (end != v && seconds > 0) {
        into = seconds;
      }
    }
  };
  seconds_from("SCALESWEEP_SPIN_SECONDS", options.spin_cpu_seconds);
  seconds_from("SCALESWEEP_STALL_SECONDS", options.stall_wall_seconds);
  return options;
}

isolated_output run_isolated(const std::function<void()>& work, const isolation_options& options) {
  if (in_isolated_call()) {
    work(); // already isolated: what it prints goes to the outer call's capture
    return {};
  }
  pipe_ends out, err, control;
  const shared_mapping shared;
  shared_page& page = *shared.page;
  const bool tell = options.interrupts == isolated_interrupts::tell_the_child;
  const parent_handlers handlers(tell ? &page : nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw io_error(std::string("cannot start a child process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    run_child(work, options, &page, out.write, err.write, control.write);
  }
  out.close_write();
  err.close_write();
  control.close_write();
  child_watch w{pid, options, page, {}, {}, {}};
  w.watch(out.read, err.read, control.read);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool finished = WIFEXITED(status) && !w.control.empty();
  if (!finished) {
    remove_owned_file(page);
  }
  if (w.killed == kill_reason::interrupt) {
    end_with(parent_second_signal != 0 ? static_cast<int>(parent_second_signal)
                                       : static_cast<int>(parent_first_signal));
  }
  const std::string note(page.note);
  if (w.killed == kill_reason::spinning) {
    throw isolation_failure(
        isolation_end::spun, SIGKILL,
        "spun: " + seconds_text(options.spin_cpu_seconds) + " s of CPU without progress", note);
  }
  if (w.killed == kill_reason::stalling) {
    throw isolation_failure(isolation_end::spun, SIGKILL,
                            "stalled: " + seconds_text(options.stall_wall_seconds) +
                                " s without progress, using no CPU",
                            note);
  }
  if (w.killed == kill_reason::printing) {
    throw isolation_failure(isolation_end::out_of_memory, SIGKILL,
                            "printed more than " + std::to_string(options.max_output) + " bytes",
                            note);
  }
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const std::string why = last_line(w.err);
    throw isolation_failure(isolation_end::crashed, signal,
                            std::string("crashed (") + ::strsignal(signal) +
                                (why.empty() ? "" : ": " + why) + ")",
                            note);
  }
  if (!finished) {
    throw isolation_failure(
        isolation_end::crashed, 0,
        "exited with status " + std::to_string(WEXITSTATUS(status)) + " before it finished", note);
  }
  if (static_cast<verdict>(w.control[0]) != verdict::returned) {
    rethrow_verdict(w.control, w.err, note);
  }
  return {std::move(w.out), std::move(w.err)};
}

void isolation_progress() noexcept {
  if (child_page != nullptr) {
    child_page->progress.fetch_add(1, std::memory_order_relaxed);
  }
}

void isolation_note(const std::string& what) noexcept {
  if (child_page != nullptr) {
    const std::size_t n = std::min(what.size(), sizeof child_page->note - 1);
    std::memcpy(child_page->note, what.data(), n);
    child_page->note[n] = '\0';
  }
}

void isolation_own_file(const std::string& path) noexcept {
  struct stat now {};
  if (child_page == nullptr || path.size() >= sizeof child_page->owned_path ||
      ::stat(path.c_str(), &now) != 0) {
    return;
  }
  child_page->owned.store(false);
  std::memcpy(child_page->owned_path, path.c_str(), path.size() + 1);
  child_page->owned_device = static_cast<unsigned long long>(now.st_dev);
  child_page->owned_inode = static_cast<unsigned long long>(now.st_ino);
  child_page->owned.store(true);
}

void isolation_disown_file() noexcept {
  if (child_page != nullptr) {
    child_page->owned.store(false);
  }
}

int isolation_stop_signal() noexcept {
  return child_page != nullptr ? child_page->stop_signal.load() : 0;
}

bool in_isolated_call() noexcept {
  return child_page != nullptr;
}

} // namespace scalesweep
