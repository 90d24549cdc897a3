// Progress output: terminal bar vs periodic log lines, decided by isatty.
#include "run/progress.hpp"

#include "common/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unistd.h>

namespace scalesweep {

namespace {
constexpr double tty_interval_s = 0.2;
// Batch logs get a line every 10 s, and nothing for runs under 1 s (the summary says it all).
// SCALESWEEP_PROGRESS_SECONDS sets both (tests use it to see the lines of a short run).
double log_interval_s() {
  static const double s = [] {
    const char* v = std::getenv("SCALESWEEP_PROGRESS_SECONDS");
    return v != nullptr ? std::atof(v) : 10.0;
  }();
  return s;
}
double quiet_below_s() {
  return std::min(1.0, log_interval_s());
}

void format_duration(char* buf, std::size_t n, double seconds) {
  const long s = std::lround(seconds);
  if (s >= 3600) {
    std::snprintf(buf, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, n, "%lds", s);
  }
}
} // namespace

progress_reporter::progress_reporter(std::int64_t total_cells, bool enabled, std::FILE* out)
    : m_total(std::max<std::int64_t>(total_cells, 1)), m_enabled(enabled),
      m_tty(isatty(fileno(out)) != 0), m_out(out), m_start(clock::now()), m_last_print(m_start) {}

void progress_reporter::advance(std::int64_t cells) {
  m_done += cells;
  if (!m_enabled) {
    return;
  }
  const auto now = clock::now();
  const double since_start = std::chrono::duration<double>(now - m_start).count();
  const double since_print = std::chrono::duration<double>(now - m_last_print).count();
  if (since_start >= quiet_below_s() &&
      since_print >= (m_tty ? tty_interval_s : log_interval_s())) {
    print(false);
    m_last_print = now;
  }
}

void progress_reporter::finish() {
  if (m_enabled && m_printed) {
    print(true);
  }
}

void progress_reporter::print(bool final_line) {
  const double elapsed = std::chrono::duration<double>(clock::now() - m_start).count();
  const double fraction = static_cast<double>(m_done) / static_cast<double>(m_total);
  const double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0.0;
  char eta[32] = "-";
  if (rate > 0 && !final_line) {
    format_duration(eta, sizeof eta, static_cast<double>(m_total - m_done) / rate);
  }
  char took[32];
  format_duration(took, sizeof took, elapsed);
  if (m_tty) {
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    char bar[width + 1];
    for (int i = 0; i < width; ++i) {
      bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    }
    bar[width] = '\0';
    std::fprintf(m_out, "\r[%s] %5.1f%%  %.3g cells/s  elapsed %s  ETA %s   %s", bar,
                 100.0 * fraction, rate, took, eta, final_line ? "\n" : "");
  } else {
    std::fprintf(m_out, "progress: %s/%s cells (%.1f%%), %.3g cells/s, elapsed %s, ETA %s\n",
                 format_count(m_done).c_str(), format_count(m_total).c_str(), 100.0 * fraction,
                 rate, took, eta);
  }
  std::fflush(m_out);
  m_printed = true;
}

} // namespace scalesweep
