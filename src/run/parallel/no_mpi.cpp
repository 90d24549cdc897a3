// MPI entry points of builds without MPI: a clear error instead of a missing symbol.
#include "scalesweep/error.hpp"

#include "run/parallel/communicator.hpp"

namespace scalesweep {

bool mpi_compiled() {
  return false;
}

mpi_session::mpi_session() {
  throw input_error(
      "this scalesweep was built without MPI, but was started by an MPI launcher",
      "rebuild with -DSCALESWEEP_USE_MPI=ON (scripts/build.sh mpi), or run it without mpirun");
}

mpi_session::~mpi_session() = default; // NOLINT(performance-trivially-destructible)

std::unique_ptr<communicator> mpi_session::world() const {
  return make_serial_communicator();
}

} // namespace scalesweep
