// MPI_COMM_WORLD behind the communicator interface, and MPI's lifetime (MPI builds only).
#include "scalesweep/error.hpp"

#include "run/parallel/communicator.hpp"

#include <mpi.h>

namespace scalesweep {

namespace {

void check(int status, const char* call) {
  if (status != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw error(std::string(call) +
                " failed: " + std::string(text, static_cast<std::size_t>(length)));
  }
}

class mpi_communicator final : public communicator {
public:
  mpi_communicator() {
    check(MPI_Comm_rank(MPI_COMM_WORLD, &m_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &m_size), "MPI_Comm_size");
    MPI_Comm node = MPI_COMM_NULL;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, m_rank, MPI_INFO_NULL, &node),
          "MPI_Comm_split_type");
    check(MPI_Comm_rank(node, &m_local_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(node, &m_local_size), "MPI_Comm_size");
    MPI_Comm_free(&node);
  }
  int rank() const override { return m_rank; }
  int size() const override { return m_size; }
  int local_rank() const override { return m_local_rank; }
  int local_size() const override { return m_local_size; }
  std::int64_t max(std::int64_t value) const override { return reduce(value, MPI_MAX); }
  std::int64_t sum(std::int64_t value) const override { return reduce(value, MPI_SUM); }
  std::vector<std::int64_t> all_gather(const std::vector<std::int64_t>& values) const override {
    const int mine = static_cast<int>(values.size());
    std::vector<int> counts(static_cast<std::size_t>(m_size)),
        offsets(static_cast<std::size_t>(m_size));
    check(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Allgather");
    int total = 0;
    for (int r = 0; r < m_size; ++r) {
      offsets[static_cast<std::size_t>(r)] = total;
      total += counts[static_cast<std::size_t>(r)];
    }
    std::vector<std::int64_t> all(static_cast<std::size_t>(total));
    check(MPI_Allgatherv(values.data(), mine, MPI_INT64_T, all.data(), counts.data(),
                         offsets.data(), MPI_INT64_T, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    return all;
  }
  void barrier() const override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) const override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

private:
  std::int64_t reduce(std::int64_t value, MPI_Op op) const {
    std::int64_t out = 0;
    check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, op, MPI_COMM_WORLD), "MPI_Allreduce");
    return out;
  }

  int m_rank = 0;
  int m_size = 1;
  int m_local_rank = 0;
  int m_local_size = 1;
};

} // namespace

bool mpi_compiled() {
  return true;
}

mpi_session::mpi_session() {
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED) {
    throw error("this MPI library does not support MPI_THREAD_SERIALIZED (the writer thread makes "
                "the MPI calls)");
  }
}

mpi_session::~mpi_session() {
  MPI_Finalize();
}

std::unique_ptr<communicator> mpi_session::world() const {
  return std::make_unique<mpi_communicator>();
}

} // namespace scalesweep
