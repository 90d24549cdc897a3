// The rank-0 protocol of the HDF5 output: work that needs the default file driver is done by
// rank 0 alone while the other ranks wait, and every rank learns whether it worked.
#pragma once

#include "scalesweep/error.hpp"

#include "run/parallel/communicator.hpp"

#include <exception>
#include <string>

namespace scalesweep::h5 {

// Rank 0 alone does `work` (variable-length strings and direct chunk writes are not possible
// through MPI-IO); the others wait and learn whether it worked. Rank 0 rethrows its own error,
// the others throw io_error saying `what` failed.
template <class Work>
void on_rank_zero(const communicator& comm, const std::string& what, Work&& work) {
  std::exception_ptr failure;
  if (comm.rank() == 0) {
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (comm.max(failure ? 1 : 0) != 0) {
    if (failure) {
      std::rethrow_exception(failure);
    }
    throw io_error("rank 0 could not " + what);
  }
}

} // namespace scalesweep::h5
