// The one-rank world, and launcher detection (both in every build).
#include "run/parallel/communicator.hpp"

#include <cstdlib>

namespace scalesweep {

namespace {
class serial_communicator final : public communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  std::int64_t max(std::int64_t value) const override { return value; }
  std::int64_t sum(std::int64_t value) const override { return value; }
  std::vector<std::int64_t> all_gather(const std::vector<std::int64_t>& values) const override {
    return values;
  }
  void barrier() const override {}
  [[noreturn]] void abort(int code) const override { std::exit(code); }
};
} // namespace

std::unique_ptr<communicator> make_serial_communicator() {
  return std::make_unique<serial_communicator>();
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v) != nullptr) {
      return true;
    }
  }
  return false;
}

} // namespace scalesweep
