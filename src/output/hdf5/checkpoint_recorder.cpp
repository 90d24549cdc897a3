// Checkpoints: flush the chunks, then the record that calls them done.
#include "output/hdf5/checkpoint_recorder.hpp"

#include "output/hdf5/progress_record.hpp"
#include "output/schema.hpp"

#if SCALESWEEP_HAVE_MPI
#include <mpi.h>
#endif

namespace scalesweep::h5 {

checkpoint_recorder::checkpoint_recorder(hid_t file, const sweep_plan& plan,
                                         const communicator& comm, std::string partial,
                                         const file_identity& identity)
    : m_file(file), m_comm(comm), m_partial(std::move(partial)), m_identity(identity) {
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    m_done.push_back(read_done_flags(file, p));
    m_records.push_back(
        dataset(H5Dopen2(file, schema::done_path(p).c_str(), H5P_DEFAULT), "open progress record"));
  }
}

// The chunks and their index reach the file before the record that calls them done: a kill at
// any moment leaves no chunk recorded done whose index entry is still in memory only.
void checkpoint_recorder::record(std::size_t problem_index,
                                 const std::vector<std::int64_t>& chunks) {
  silence_error_printing();
  check(H5Fflush(m_file, H5F_SCOPE_GLOBAL), "flush '" + m_partial + "'");
  std::vector<std::uint8_t>& done = m_done[problem_index];
  for (std::int64_t c : chunks) {
    done[static_cast<std::size_t>(c)] = 1;
  }
  const hid_t ds = m_records[problem_index].get();
  handle dxpl = property_list(H5Pcreate(H5P_DATASET_XFER), "transfer list");
  handle space = dataspace(H5Dget_space(ds), "progress space");
  handle memory = dataspace(H5Dget_space(ds), "progress space");
#if SCALESWEEP_HAVE_MPI
  if (m_comm.parallel()) {
    check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");
    if (m_comm.rank() != 0) { // rank 0 writes the record; every rank knows it already
      check(H5Sselect_none(space.get()), "select none");
      check(H5Sselect_none(memory.get()), "select none");
    }
  }
#endif
  check(H5Dwrite(ds, H5T_NATIVE_UINT8, memory.get(), space.get(), dxpl.get(), done.data()),
        "record progress in '" + m_partial + "'");
  check(H5Fflush(m_file, H5F_SCOPE_GLOBAL), "flush '" + m_partial + "'");
  if (m_comm.rank() == 0) {
    check_still_named(m_partial, m_identity); // stop now, not after hours more of work
  }
}

} // namespace scalesweep::h5
