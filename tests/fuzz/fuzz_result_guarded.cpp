// libFuzzer harness for what `scalesweep inspect` promises about a file it is handed: the bytes
// are written to a file and read exactly as the command reads one (h5::read_untrusted_file: a
// forked child reads, crashes and spins in it become "damaged or not a scalesweep result"). The
// promise is that every input ends as a summary or as that refusal (input_error): a crash,
// sanitizer report, hang or other exception in this process is a bug in scalesweep.
//
// The reads happen in the child, whose coverage counters never reach the fuzzer, so this harness
// mutates with little guidance; fuzz_result.cpp is the in-process twin that explores the reader
// (and libhdf5) under coverage. Seed this one with that one's corpus (docs/reliability.md).
#include "scalesweep/error.hpp"

#include "cli/inspect_command.hpp"
#include "output/hdf5/h5_read.hpp"
#include "tools/result_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

std::string g_path; // the file each input is written to, in a folder of this process's own

void remove_scratch() {
  std::remove(g_path.c_str());
  ::rmdir(g_path.substr(0, g_path.rfind('/')).c_str());
}

void write_input(const std::uint8_t* data, std::size_t size) {
  const int fd = ::open(g_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("fuzz_result_guarded: open");
    std::abort();
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      std::perror("fuzz_result_guarded: write");
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A folder in memory where there is one: an execution writes one small file.
  const char* base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string folder = std::string(base) + "/scalesweep-fuzz-XXXXXX";
  if (::mkdtemp(folder.data()) == nullptr) {
    std::perror("fuzz_result_guarded: mkdtemp");
    return 1;
  }
  g_path = folder + "/input.h5";
  // The child counts as spinning after 0.05 s of CPU without progress rather than the CLI's 2 s:
  // the fuzzer drifts towards inputs on which libhdf5 spins, and each would cost the limit (at
  // 0.25 s, spinning children took 97 % of a run's CPU). An undamaged seed reads in about 2 ms of
  // CPU without AddressSanitizer, 5 ms with it; a refusal is a promised answer either way.
  ::setenv("SCALESWEEP_SPIN_SECONDS", "0.05", 0);
  // And a child that sleeps without progress is killed after 5 s of wall time rather than the
  // CLI's 300: this harness's children inherit libFuzzer's crash handler, which deadlocked in one
  // after a crash inside malloc (futex wait, /proc/self/maps open; docs/reliability.md).
  ::setenv("SCALESWEEP_STALL_SECONDS", "5", 0);
  std::atexit(remove_scratch);
  // What inspect prints is not checked here; printing it would slow every run.
  if (std::freopen("/dev/null", "w", stdout) == nullptr) {
    return 1;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_input(data, size);
  const bool json = size % 2 == 1; // text or JSON, by the size's parity, as fuzz_result
  try {
    const auto printed = scalesweep::h5::read_untrusted_file(g_path, [&] {
      scalesweep::cli::print_inspection(scalesweep::h5::result_reader(g_path), g_path, json);
    });
    (void)printed;
  } catch (const scalesweep::input_error&) {
    // "damaged or not a scalesweep result": the promised answer to a file that does not hold
  }
  // Any other exception escapes: libFuzzer reports it as a crash, and it is one (inspect would
  // end with exit 1 or worse on that file).
  return 0;
}
