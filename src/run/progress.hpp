// Progress for long runs: a redrawn bar on a terminal, flushed greppable lines in batch logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace scalesweep {

class progress_reporter {
public:
  // enabled = false prints nothing (--quiet). Output goes to `out` (stderr by default).
  progress_reporter(std::int64_t total_cells, bool enabled, std::FILE* out = stderr);
  void advance(std::int64_t cells);
  void finish();

private:
  void print(bool final_line);

  using clock = std::chrono::steady_clock;
  std::int64_t m_total;
  std::int64_t m_done = 0;
  bool m_enabled;
  bool m_tty;
  std::FILE* m_out;
  clock::time_point m_start;
  clock::time_point m_last_print;
  bool m_printed = false;
};

} // namespace scalesweep
