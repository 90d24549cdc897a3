// run_isolated: what the child prints comes back, its errors come back typed, and a child that
// crashes, spins or exhausts its memory ends in isolation_failure, never in the caller.
#include "common/isolated_call.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace scalesweep {
namespace {

// Short limits keep the tests fast; the defaults are tested for their values only.
isolation_options quick_limits() {
  isolation_options l;
  l.spin_cpu_seconds = 0.3;
  l.extra_address_space = std::int64_t{256} << 20;
  l.max_output = 1 << 20;
  return l;
}

isolation_end end_of(const std::function<void()>& work,
                     const isolation_options& limits = quick_limits()) {
  try {
    run_isolated(work, limits);
  } catch (const isolation_failure& e) {
    return e.end();
  }
  ADD_FAILURE() << "the work ended normally";
  return isolation_end::crashed;
}

TEST(IsolatedCall, ReturnsWhatTheWorkPrinted) {
  const isolated_output o = run_isolated(
      [] {
        std::printf("out %d\n", 42);
        std::fprintf(stderr, "warning\n");
        EXPECT_TRUE(in_isolated_call());
      },
      quick_limits());
  EXPECT_EQ(o.out, "out 42\n");
  EXPECT_EQ(o.err, "warning\n");
  EXPECT_FALSE(in_isolated_call());
}

TEST(IsolatedCall, ErrorsComeBackWithTheirTypeMessageAndHint) {
  try {
    run_isolated([] { throw input_error("bad file", "fix it"); }, quick_limits());
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "bad file");
    EXPECT_EQ(e.hint(), "fix it");
  }
  EXPECT_THROW(run_isolated([] { throw io_error("disk"); }, quick_limits()), io_error);
  try {
    run_isolated([] { throw std::logic_error("oops"); }, quick_limits());
    FAIL();
  } catch (const error& e) {
    EXPECT_STREQ(e.what(), "internal: oops");
  }
}

TEST(IsolatedCall, ACrashEndsTheChildOnly) {
  try {
    run_isolated([] { std::raise(SIGSEGV); }, quick_limits());
    FAIL();
  } catch (const isolation_failure& e) {
    EXPECT_EQ(e.end(), isolation_end::crashed);
    EXPECT_EQ(e.signal(), SIGSEGV);
  }
  EXPECT_EQ(end_of([] {
              std::fprintf(stderr, "free(): invalid pointer\n");
              std::abort();
            }),
            isolation_end::crashed);
  EXPECT_EQ(end_of([] { std::_Exit(3); }), isolation_end::crashed); // no verdict
}

TEST(IsolatedCall, ASpinningChildIsKilledAfterItsCpuAllowance) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(end_of([] {
              for (volatile unsigned long i = 0;; i = i + 1) {
              }
            }),
            isolation_end::spun);
  // 0.3 s of CPU, seen within the watchdog's 0.1 s polls (generous: a loaded machine).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(IsolatedCall, ProgressKeepsALongChildAlive) {
  // 1 s of CPU, four times the allowance, with progress all along: not a spin.
  const isolated_output o = run_isolated(
      [] {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (std::chrono::steady_clock::now() < end) {
          for (volatile int i = 0; i < 100000; i = i + 1) {
          }
          isolation_progress();
        }
        std::printf("done");
      },
      quick_limits());
  EXPECT_EQ(o.out, "done");
}

TEST(IsolatedCall, MemoryBeyondTheAllowanceIsRefused) {
  // 1 GiB against an allowance of 256 MiB.
  EXPECT_EQ(end_of([] {
              std::vector<char> big(std::size_t{1} << 30, 1);
              std::printf("%d", big[12345]);
            }),
            isolation_end::out_of_memory);
  EXPECT_EQ(end_of([] {
              for (int i = 0; i < 4096; ++i) {
                std::printf("%01023d\n", i);
              }
            }),
            isolation_end::out_of_memory); // 4 MiB printed against 1 MiB
}

TEST(IsolatedCall, ANestedCallRunsInTheChildItself) {
  const isolated_output o = run_isolated(
      [] {
        const isolated_output inner = run_isolated([] { std::printf("inner "); }, quick_limits());
        std::printf("%zu outer", inner.out.size());
      },
      quick_limits());
  EXPECT_EQ(o.out, "inner 0 outer");
}

TEST(IsolatedCall, AFailureSaysWhatTheChildWasReading) {
  try {
    run_isolated(
        [] {
          isolation_note("'part2.h5'");
          std::raise(SIGBUS);
        },
        quick_limits());
    FAIL();
  } catch (const isolation_failure& e) {
    EXPECT_EQ(e.note(), "'part2.h5'");
  }
}

TEST(IsolatedCall, TheFileADeadChildOwnedIsRemoved) {
  const std::string path = ::testing::TempDir() + "isolated_owned_file";
  const std::string kept = ::testing::TempDir() + "isolated_kept_file";
  EXPECT_EQ(end_of([&] {
              std::FILE* f = std::fopen(path.c_str(), "w");
              std::fclose(f);
              isolation_own_file(path);
              std::abort();
            }),
            isolation_end::crashed);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  // Disowned (published), or a child that finished: the file stays.
  run_isolated(
      [&] {
        std::FILE* f = std::fopen(kept.c_str(), "w");
        std::fclose(f);
        isolation_own_file(kept);
        isolation_disown_file();
      },
      quick_limits());
  EXPECT_EQ(::access(kept.c_str(), F_OK), 0);
  std::remove(kept.c_str());
}

TEST(IsolatedCall, AnInterruptIsTheChildsToHandleWhenItIsTold) {
  // The parent receives SIGTERM (a batch system's stop); the child sees it and stops cleanly.
  isolation_options options = quick_limits();
  options.interrupts = isolated_interrupts::tell_the_child;
  try {
    run_isolated(
        [] {
          ::kill(::getppid(), SIGTERM);
          while (isolation_stop_signal() == 0) {
            isolation_progress();
          }
          throw run_interrupted(isolation_stop_signal(), "stopped");
        },
        options);
    FAIL();
  } catch (const run_interrupted& e) {
    EXPECT_EQ(e.signal(), SIGTERM);
  }
}

// A child that sleeps without progress (a deadlock uses no CPU, so the spin limit never fires)
// is killed after stall_wall_seconds of wall time, and the failure says so.
TEST(IsolatedCall, SleepingChildIsKilledAfterTheStallLimit) {
  isolation_options limits = quick_limits();
  limits.stall_wall_seconds = 0.5;
  const auto start = std::chrono::steady_clock::now();
  try {
    run_isolated([] { ::sleep(60); }, limits);
    FAIL() << "the sleeping child ended normally";
  } catch (const isolation_failure& e) {
    EXPECT_EQ(e.end(), isolation_end::spun);
    EXPECT_NE(std::string(e.what()).find("stalled: 0.5 s without progress"), std::string::npos)
        << e.what();
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(took, 30.0); // killed, not waited out (the child sleeps 60 s)
}

TEST(IsolatedCall, DefaultsAndTheirOverride) {
  unsetenv("SCALESWEEP_STALL_SECONDS");
  EXPECT_EQ(default_isolation_options().stall_wall_seconds, 300);
  setenv("SCALESWEEP_STALL_SECONDS", "5", 1);
  EXPECT_EQ(default_isolation_options().stall_wall_seconds, 5);
  unsetenv("SCALESWEEP_STALL_SECONDS");
  unsetenv("SCALESWEEP_SPIN_SECONDS");
  EXPECT_EQ(default_isolation_options().spin_cpu_seconds, 2);
  setenv("SCALESWEEP_SPIN_SECONDS", "12.5", 1);
  EXPECT_EQ(default_isolation_options().spin_cpu_seconds, 12.5);
  setenv("SCALESWEEP_SPIN_SECONDS", "junk", 1);
  EXPECT_EQ(default_isolation_options().spin_cpu_seconds, 2);
  unsetenv("SCALESWEEP_SPIN_SECONDS");
}

} // namespace
} // namespace scalesweep
