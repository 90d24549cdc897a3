// What the run needs from MPI, behind an interface: a serial run is a world of one rank, so the
// pipeline has one code path. The MPI implementation exists in builds with SCALESWEEP_USE_MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace scalesweep {

class communicator {
public:
  virtual ~communicator() = default;
  communicator() = default;
  communicator(const communicator&) = delete;
  communicator& operator=(const communicator&) = delete;
  communicator(communicator&&) = delete;
  communicator& operator=(communicator&&) = delete;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Rank among the ranks on this node, and how many there are (bind ranks to GPUs).
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  virtual bool parallel() const { return size() > 1; }

  virtual std::int64_t max(std::int64_t value) const = 0;
  virtual std::int64_t sum(std::int64_t value) const = 0;
  // Every rank's values, concatenated in rank order.
  virtual std::vector<std::int64_t> all_gather(const std::vector<std::int64_t>& values) const = 0;
  virtual void barrier() const = 0;
  // Ends every rank at once (an error on one rank while others wait in a collective call).
  [[noreturn]] virtual void abort(int code) const = 0;
};

// A world of one rank: the run is not under MPI (or this build has no MPI).
std::unique_ptr<communicator> make_serial_communicator();

// Whether this process was started by an MPI launcher (mpirun, srun with PMI/PMIx).
bool launched_by_mpi();

// MPI for the lifetime of the object (MPI_Init_thread with MPI_THREAD_SERIALIZED: the writer
// thread makes the MPI calls during a run). Throws when this build has no MPI.
class mpi_session {
public:
  mpi_session();
  // Out of line: the MPI build's calls MPI_Finalize (the serial build's is empty).
  ~mpi_session(); // NOLINT(performance-trivially-destructible)
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  mpi_session(mpi_session&&) = delete;
  mpi_session& operator=(mpi_session&&) = delete;

  std::unique_ptr<communicator> world() const;
};

bool mpi_compiled();

} // namespace scalesweep
