// The result sink: creates or resumes the partial file, writes tiles chunk by chunk (serial: own
// encoding + H5Dwrite_chunk; MPI: collective MPI-IO writes), records progress, renames at the end.
#include "output/hdf5/chunk_codec.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/partial_rebuild.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/rename_into_place.hpp"
#include "plan/work_plan.hpp"
#include "run/parallel/communicator.hpp"
#include "run/result_sink.hpp"

#include <H5ACpublic.h>
#if SCALESWEEP_HAVE_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace scalesweep {

namespace {

// Dirty metadata stays in memory until a checkpoint flushes it, so the file on disk is always
// the last checkpoint's, whenever the process dies (kill -9 included). Best effort: where HDF5
// refuses (some parallel configurations) flushes still make checkpoints consistent.
void keep_metadata_until_flush(hid_t file) {
  H5AC_cache_config_t config{};
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Fget_mdc_config(file, &config) < 0) {
    h5::error_stack_message();
    return;
  }
  config.evictions_enabled = false;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  if (H5Fset_mdc_config(file, &config) < 0) {
    h5::error_stack_message(); // clears the stack
  }
}

class hdf5_sink final : public result_sink {
public:
  hdf5_sink(const sweep_plan& plan, const shard_spec& shard, const communicator& comm,
            const sink_options& options)
      : m_plan(plan), m_comm(comm), m_parallel(comm.parallel()), m_path(options.path),
        m_partial(options.path + ".partial"),
        m_compression_threads(std::max(1, options.compression_threads)) {
    h5::silence_error_printing();
    if (!options.resume) {
      on_rank_zero("create '" + m_partial + "'", [&] {
        // Built under a name of its own, then given the partial file's name only if no file
        // has it: a kill during creation leaves no half-made partial file (a resume would
        // refuse it), and another run or merge that created one in the meantime keeps it.
        const std::string building = m_partial + ".creating-" + std::to_string(::getpid());
        try {
          h5::handle file = h5::create_file(building);
          h5::create_result_skeleton(file.get(), m_plan, shard, options.meta,
                                     allocation_for(shard));
          file.close("close '" + building + "'");
          h5::publish_exclusively(building, m_partial);
        } catch (...) {
          std::error_code ec;
          std::filesystem::remove(building, ec);
          throw;
        }
      });
    } else {
      // Rank 0 checks the file (callers that must refuse with exit 2 under MPI check on every
      // rank first: check_resumable_partial) and rebuilds one whose chunks got their space as
      // they were written (compressed, or a sparse shard part), which checks too.
      on_rank_zero("resume '" + m_partial + "'", [&] {
        if (check_resumable_partial(m_path, m_plan, shard)) {
          return;
        }
        const h5::rebuild_summary r = h5::rebuild_partial(
            m_partial, m_plan, shard,
            allocation_for(shard) == h5::chunk_allocation::sparse ? h5::chunk_allocation::sparse
                                                                  : h5::chunk_allocation::all_now);
        if (r.chunks_dropped > 0) {
          std::fprintf(stderr,
                       "note: %lld chunk%s recorded done %s not in %s (a checkpoint cut short); "
                       "computing %s again\n",
                       static_cast<long long>(r.chunks_dropped), r.chunks_dropped == 1 ? "" : "s",
                       r.chunks_dropped == 1 ? "was" : "were", m_partial.c_str(),
                       r.chunks_dropped == 1 ? "it" : "them");
        }
      });
    }
    m_file = h5::file(H5Fopen(m_partial.c_str(), H5F_ACC_RDWR, h5::file_access(m_parallel).get()),
                      "open '" + m_partial + "'");
    m_identity = h5::identity_of(m_partial);
    keep_metadata_until_flush(m_file.get());
    for (std::size_t p = 0; p < m_plan.problems.size(); ++p) {
      const problem_plan& problem = m_plan.problems[p];
      std::vector<h5::handle> datasets;
      std::vector<chunk_encoder> encoders;
      for (const variable_info& v : problem.outputs) {
        datasets.push_back(h5::dataset(H5Dopen2(m_file.get(), v.name.c_str(), H5P_DEFAULT),
                                       "open '" + v.name + "'"));
        encoders.emplace_back(v, problem.chunk_shape, m_plan.config.output.compression,
                              m_plan.config.output.deflate_level);
      }
      m_variables.push_back(std::move(datasets));
      m_encoders.push_back(std::move(encoders));
      m_done.push_back(h5::read_bytes(m_file.get(), h5::done_path(p)));
      m_done_datasets.push_back(h5::dataset(
          H5Dopen2(m_file.get(), h5::done_path(p).c_str(), H5P_DEFAULT), "open progress record"));
    }
  }

  hdf5_sink(const hdf5_sink&) = delete;
  hdf5_sink& operator=(const hdf5_sink&) = delete;
  hdf5_sink(hdf5_sink&&) = delete;
  hdf5_sink& operator=(hdf5_sink&&) = delete;
  // Without finish() the handles close and the partial file stays: its last checkpoint resumes.
  ~hdf5_sink() override = default;

  const std::vector<std::uint8_t>& done_chunks(std::size_t problem_index) const override {
    return m_done[problem_index];
  }

  std::int64_t bytes_written() const override { return m_bytes_written; }

private:
  // How a new partial file allocates its chunks: a serial run's shard part only where written, so
  // that the other parts' cells read as NaN and not_computed and take no space; everything else
  // as result_layout.hpp describes (MPI-IO needs uncompressed chunks allocated up front).
  h5::chunk_allocation allocation_for(const shard_spec& shard) const {
    return !shard.whole() && !m_parallel ? h5::chunk_allocation::sparse
                                         : h5::chunk_allocation::when_written;
  }

  // Rank 0 alone does `work` with the default driver (variable-length strings and direct chunk
  // writes are not possible through MPI-IO); the others wait and learn whether it worked.
  template <class Work>
  void on_rank_zero(const std::string& what, Work&& work) {
    std::exception_ptr failure;
    if (m_comm.rank() == 0) {
      try {
        work();
      } catch (...) {
        failure = std::current_exception();
      }
    }
    if (m_comm.max(failure ? 1 : 0) != 0) {
      if (failure) {
        std::rethrow_exception(failure);
      }
      throw io_error("rank 0 could not " + what);
    }
  }

  // Chunks of the tile still to write (on resume, those done stay as they are on disk).
  std::vector<tile_box> pending_chunks(std::size_t problem_index, const tile_box& box) const {
    std::vector<tile_box> out;
    for (const tile_box& c : chunks_of(m_plan.problems[problem_index], box)) {
      if (m_done[problem_index]
                [static_cast<std::size_t>(chunk_index(m_plan.problems[problem_index], c))] == 0) {
        out.push_back(c);
      }
    }
    return out;
  }

  void do_write_tile(std::size_t problem_index, const tile_box* box,
                     const host_tile* tile) override {
    h5::silence_error_printing(); // the writer thread's own HDF5 error stack
    if (m_parallel) {
      write_collective(problem_index, box, tile);
    } else if (box != nullptr) {
      write_chunks(problem_index, *box, *tile);
    }
  }

  // Encodes every pending chunk of every variable of the tile on the compression threads, then
  // writes them in order with H5Dwrite_chunk (HDF5 itself is called from this thread only).
  void write_chunks(std::size_t problem_index, const tile_box& box, const host_tile& tile) {
    const problem_plan& p = m_plan.problems[problem_index];
    const std::vector<tile_box> chunks = pending_chunks(problem_index, box);
    const tile_columns columns = tile.columns();
    const std::vector<chunk_encoder>& encoders = m_encoders[problem_index];
    const std::size_t variables = p.outputs.size();
    const std::size_t tasks = chunks.size() * variables;
    if (m_encoded.size() < tasks) {
      m_encoded.resize(tasks);
    }
    const auto task_count = static_cast<std::int64_t>(tasks);
#pragma omp parallel num_threads(m_compression_threads)
    {
      std::vector<unsigned char> scratch;
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t t = 0; t < task_count; ++t) {
        const std::size_t v = static_cast<std::size_t>(t) % variables;
        const std::size_t c = static_cast<std::size_t>(t) / variables;
        const void* column = p.outputs[v].type == value_type::u8
                                 ? static_cast<const void*>(columns.status)
                                 : static_cast<const void*>(columns.f64[v]);
        encoders[v].encode(box, column, chunks[c], scratch, m_encoded[static_cast<std::size_t>(t)]);
      }
    }
    std::vector<hsize_t> offset(static_cast<std::size_t>(box.rank));
    for (std::size_t t = 0; t < tasks; ++t) {
      const std::size_t v = t % variables;
      const tile_box& chunk = chunks[t / variables];
      for (int d = 0; d < box.rank; ++d) {
        offset[static_cast<std::size_t>(d)] = static_cast<hsize_t>(chunk.offset[d]);
      }
      const std::vector<unsigned char>& bytes = m_encoded[t];
      h5::check(H5Dwrite_chunk(m_variables[problem_index][v].get(), H5P_DEFAULT, 0, offset.data(),
                               bytes.size(), bytes.data()),
                "write a chunk of '" + p.outputs[v].name + "' to '" + m_partial + "'");
      m_bytes_written += static_cast<std::int64_t>(bytes.size());
    }
  }

  // MPI: one collective H5Dwrite per variable and round; HDF5 applies the filters. Ranks without
  // a tile (or with nothing pending) join with empty selections.
  void write_collective(std::size_t problem_index, const tile_box* box, const host_tile* tile) {
#if SCALESWEEP_HAVE_MPI
    const problem_plan& p = m_plan.problems[problem_index];
    const std::vector<tile_box> chunks =
        box != nullptr ? pending_chunks(problem_index, *box) : std::vector<tile_box>{};
    const int rank = static_cast<int>(p.shape.size());
    std::vector<hsize_t> memory_dims(static_cast<std::size_t>(rank), 1);
    if (box != nullptr) {
      for (int d = 0; d < rank; ++d) {
        memory_dims[static_cast<std::size_t>(d)] = static_cast<hsize_t>(box->count[d]);
      }
    }
    const h5::handle memory =
        h5::dataspace(H5Screate_simple(rank, memory_dims.data(), nullptr), "tile space");
    const h5::handle dxpl = h5::property_list(H5Pcreate(H5P_DATASET_XFER), "transfer list");
    h5::check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");
    const tile_columns columns = tile != nullptr ? tile->columns() : tile_columns{};
    std::int64_t f64_column = 0;
    for (std::size_t v = 0; v < p.outputs.size(); ++v) {
      const variable_info& var = p.outputs[v];
      const hid_t ds = m_variables[problem_index][v].get();
      const h5::handle file_space = h5::dataspace(H5Dget_space(ds), "variable space");
      h5::check(H5Sselect_none(file_space.get()), "select none");
      h5::check(H5Sselect_none(memory.get()), "select none");
      std::vector<hsize_t> offset(static_cast<std::size_t>(rank)),
          local(static_cast<std::size_t>(rank)), count(static_cast<std::size_t>(rank));
      for (const tile_box& c : chunks) {
        for (int d = 0; d < rank; ++d) {
          const auto u = static_cast<std::size_t>(d);
          offset[u] = static_cast<hsize_t>(c.offset[d]);
          local[u] = static_cast<hsize_t>(c.offset[d] - box->offset[d]);
          count[u] = static_cast<hsize_t>(c.count[d]);
        }
        h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_OR, offset.data(), nullptr,
                                      count.data(), nullptr),
                  "select chunk");
        h5::check(H5Sselect_hyperslab(memory.get(), H5S_SELECT_OR, local.data(), nullptr,
                                      count.data(), nullptr),
                  "select chunk");
      }
      const void* data = nullptr;
      hid_t memory_type = H5T_NATIVE_UINT8;
      static const double nothing = 0;
      if (var.type == value_type::u8) {
        data = tile != nullptr ? static_cast<const void*>(columns.status) : &nothing;
      } else if (var.stored_as_float32) {
        // Converted here: a conversion inside HDF5 would turn the collective write independent,
        // which filtered datasets do not allow.
        m_float_scratch.assign(static_cast<std::size_t>(box != nullptr ? cell_count(*box) : 1),
                               0.0F);
        if (tile != nullptr) {
          std::transform(columns.f64[f64_column], columns.f64[f64_column] + cell_count(*box),
                         m_float_scratch.begin(), [](double x) { return static_cast<float>(x); });
        }
        data = m_float_scratch.data();
        memory_type = H5T_NATIVE_FLOAT;
      } else {
        data = tile != nullptr ? static_cast<const void*>(columns.f64[f64_column]) : &nothing;
        memory_type = H5T_NATIVE_DOUBLE;
      }
      if (var.type == value_type::f64) {
        ++f64_column;
      }
      h5::check(H5Dwrite(ds, memory_type, memory.get(), file_space.get(), dxpl.get(), data),
                "collective write of '" + var.name + "' to '" + m_partial + "'");
      for (const tile_box& c : chunks) {
        m_bytes_written +=
            cell_count(c) * (var.type == value_type::u8 ? 1 : (var.stored_as_float32 ? 4 : 8));
      }
    }
#else
    (void)problem_index, (void)box, (void)tile;
    throw error("internal: collective writes in a build without MPI");
#endif
  }

  // The chunks and their index reach the file before the record that calls them done: a kill at
  // any moment leaves no chunk recorded done whose index entry is still in memory only.
  void do_checkpoint(std::size_t problem_index, const std::vector<std::int64_t>& chunks) override {
    h5::silence_error_printing();
    h5::check(H5Fflush(m_file.get(), H5F_SCOPE_GLOBAL), "flush '" + m_partial + "'");
    std::vector<std::uint8_t>& done = m_done[problem_index];
    for (std::int64_t c : chunks) {
      done[static_cast<std::size_t>(c)] = 1;
    }
    const hid_t ds = m_done_datasets[problem_index].get();
    h5::handle dxpl = h5::property_list(H5Pcreate(H5P_DATASET_XFER), "transfer list");
    h5::handle space = h5::dataspace(H5Dget_space(ds), "progress space");
    h5::handle memory = h5::dataspace(H5Dget_space(ds), "progress space");
#if SCALESWEEP_HAVE_MPI
    if (m_parallel) {
      h5::check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");
      if (m_comm.rank() != 0) { // rank 0 writes the record; every rank knows it already
        h5::check(H5Sselect_none(space.get()), "select none");
        h5::check(H5Sselect_none(memory.get()), "select none");
      }
    }
#endif
    h5::check(H5Dwrite(ds, H5T_NATIVE_UINT8, memory.get(), space.get(), dxpl.get(), done.data()),
              "record progress in '" + m_partial + "'");
    h5::check(H5Fflush(m_file.get(), H5F_SCOPE_GLOBAL), "flush '" + m_partial + "'");
    if (m_comm.rank() == 0) {
      h5::check_still_named(m_partial, m_identity); // stop now, not after hours more of work
    }
  }

  void do_finish() override {
    m_done_datasets.clear();
    m_variables.clear();
    m_file.close("close '" + m_partial + "'");
    if (m_comm.rank() == 0) {
      h5::check_still_named(m_partial, m_identity);
      h5::rename_into_place(m_partial, m_path);
    }
    m_comm.barrier();
  }

  const sweep_plan& m_plan;
  const communicator& m_comm;
  bool m_parallel;
  std::string m_path;
  std::string m_partial;
  h5::handle m_file;
  std::vector<std::vector<h5::handle>> m_variables;   // per problem, per output
  std::vector<h5::handle> m_done_datasets;            // per problem
  std::vector<std::vector<std::uint8_t>> m_done;      // per problem, per chunk
  std::vector<std::vector<chunk_encoder>> m_encoders; // per problem, per output
  std::vector<std::vector<unsigned char>> m_encoded;  // per (chunk, variable) of a tile
  std::vector<float> m_float_scratch;
  int m_compression_threads;
  std::int64_t m_bytes_written = 0;
  h5::file_identity m_identity; // the partial file as opened: published only if still the same
};

} // namespace

bool check_resumable_partial(const std::string& path, const sweep_plan& plan,
                             const shard_spec& shard) {
  h5::silence_error_printing();
  const std::string partial = path + ".partial";
  const h5::handle file =
      h5::file(H5Fopen(partial.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get()),
               "open '" + partial + "'");
  h5::check_resumable(file.get(), partial, plan, shard);
  return h5::resumable_in_place(file.get(), plan);
}

std::unique_ptr<result_sink> open_hdf5_sink(const sweep_plan& plan, const shard_spec& shard,
                                            const communicator& comm, const sink_options& options) {
  return std::make_unique<hdf5_sink>(plan, shard, comm, options);
}

} // namespace scalesweep
