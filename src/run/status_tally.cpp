// Counting optimum cells per status code, one byte per cell: negligible beside the math and the
// write.
#include "run/status_tally.hpp"

namespace scalesweep {

void count_statuses(status_tally& tally, const std::uint8_t* status, std::int64_t cells) {
  status_tally counts{};
  for (std::int64_t i = 0; i < cells; ++i) {
    counts.at(status[i]) += 1;
  }
  add_statuses(tally, counts);
}

void add_statuses(status_tally& tally, const status_tally& more) {
  for (std::size_t k = 0; k < tally.size(); ++k) {
    tally[k] += more[k];
  }
}

} // namespace scalesweep
