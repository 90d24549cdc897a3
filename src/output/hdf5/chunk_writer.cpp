// Chunk writes: own encoding + H5Dwrite_chunk (serial), or collective H5Dwrite (MPI).
#include "output/hdf5/chunk_writer.hpp"

#include "scalesweep/error.hpp"

#include "plan/work_assignment.hpp"

#if SCALESWEEP_HAVE_MPI
#include <mpi.h>
#endif

#include <algorithm>

namespace scalesweep::h5 {

chunk_writer::chunk_writer(hid_t file, const sweep_plan& plan, bool parallel,
                           int compression_threads, std::string file_name)
    : m_plan(plan), m_parallel(parallel), m_compression_threads(std::max(1, compression_threads)),
      m_file_name(std::move(file_name)) {
  for (const problem_grid& problem : m_plan.problems) {
    std::vector<handle> datasets;
    std::vector<chunk_encoder> encoders;
    for (const variable_info& v : problem.outputs) {
      datasets.push_back(
          dataset(H5Dopen2(file, v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'"));
      encoders.emplace_back(v, variable_shape(v, problem.chunk_shape),
                            m_plan.config.output.compression, m_plan.config.output.deflate_level);
    }
    m_variables.push_back(std::move(datasets));
    m_encoders.push_back(std::move(encoders));
  }
}

void chunk_writer::write(std::size_t problem_index, const tile_box* box, const host_tile* tile,
                         const std::vector<std::uint8_t>& done) {
  silence_error_printing(); // the writer thread's own HDF5 error stack
  const std::vector<tile_box> chunks =
      box != nullptr ? pending_chunks(problem_index, *box, done) : std::vector<tile_box>{};
  if (m_parallel) {
    write_collective(problem_index, box, tile, chunks);
  } else if (box != nullptr) {
    write_chunks(problem_index, *box, *tile, chunks);
  }
}

// Chunks of the tile still to write (on resume, those done stay as they are on disk).
std::vector<tile_box> chunk_writer::pending_chunks(std::size_t problem_index, const tile_box& box,
                                                   const std::vector<std::uint8_t>& done) const {
  const problem_grid& problem = m_plan.problems[problem_index];
  std::vector<tile_box> out;
  for (const tile_box& c : chunks_of(problem, box)) {
    if (done[static_cast<std::size_t>(chunk_index(problem, c))] == 0) {
      out.push_back(c);
    }
  }
  return out;
}

// Encodes every pending chunk of every variable of the tile on the compression threads, then
// writes them in order with H5Dwrite_chunk (HDF5 itself is called from this thread only).
void chunk_writer::write_chunks(std::size_t problem_index, const tile_box& box,
                                const host_tile& tile, const std::vector<tile_box>& chunks) {
  const problem_grid& p = m_plan.problems[problem_index];
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
      const variable_info& var = p.outputs[v];
      encoders[v].encode(variable_box(var, box), column, variable_box(var, chunks[c]), scratch,
                         m_encoded[static_cast<std::size_t>(t)]);
    }
  }
  for (std::size_t t = 0; t < tasks; ++t) {
    const std::size_t v = t % variables;
    const tile_box chunk = variable_box(p.outputs[v], chunks[t / variables]);
    std::vector<hsize_t> offset(static_cast<std::size_t>(chunk.rank));
    for (int d = 0; d < chunk.rank; ++d) {
      offset[static_cast<std::size_t>(d)] = static_cast<hsize_t>(chunk.offset[d]);
    }
    const std::vector<unsigned char>& bytes = m_encoded[t];
    check(H5Dwrite_chunk(m_variables[problem_index][v].get(), H5P_DEFAULT, 0, offset.data(),
                         bytes.size(), bytes.data()),
          "write a chunk of '" + p.outputs[v].name + "' to '" + m_file_name + "'");
    m_bytes_written += static_cast<std::int64_t>(bytes.size());
  }
}

// MPI: one collective H5Dwrite per variable and round; HDF5 applies the filters. Ranks without
// a tile (or with nothing pending) join with empty selections.
void chunk_writer::write_collective(std::size_t problem_index, const tile_box* box,
                                    const host_tile* tile, const std::vector<tile_box>& chunks) {
#if SCALESWEEP_HAVE_MPI
  const problem_grid& p = m_plan.problems[problem_index];
  const handle dxpl = property_list(H5Pcreate(H5P_DATASET_XFER), "transfer list");
  check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "collective transfer");
  const tile_columns columns = tile != nullptr ? tile->columns() : tile_columns{};
  std::int64_t f64_column = 0;
  for (std::size_t v = 0; v < p.outputs.size(); ++v) {
    const variable_info& var = p.outputs[v];
    // The variable's part of the tile (variable_box): all of it, or its first level's cells.
    const int rank = static_cast<int>(variable_shape(var, p.shape).size());
    std::vector<hsize_t> memory_dims(static_cast<std::size_t>(rank), 1);
    const tile_box tile_part = box != nullptr ? variable_box(var, *box) : tile_box{};
    if (box != nullptr) {
      for (int d = 0; d < rank; ++d) {
        memory_dims[static_cast<std::size_t>(d)] = static_cast<hsize_t>(tile_part.count[d]);
      }
    }
    const handle memory =
        dataspace(H5Screate_simple(rank, memory_dims.data(), nullptr), "tile space");
    const hid_t ds = m_variables[problem_index][v].get();
    const handle file_space = dataspace(H5Dget_space(ds), "variable space");
    check(H5Sselect_none(file_space.get()), "select none");
    check(H5Sselect_none(memory.get()), "select none");
    std::vector<hsize_t> offset(static_cast<std::size_t>(rank)),
        local(static_cast<std::size_t>(rank)), count(static_cast<std::size_t>(rank));
    for (const tile_box& whole : chunks) {
      const tile_box c = variable_box(var, whole);
      for (int d = 0; d < rank; ++d) {
        const auto u = static_cast<std::size_t>(d);
        offset[u] = static_cast<hsize_t>(c.offset[d]);
        local[u] = static_cast<hsize_t>(c.offset[d] - tile_part.offset[d]);
        count[u] = static_cast<hsize_t>(c.count[d]);
      }
      check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_OR, offset.data(), nullptr,
                                count.data(), nullptr),
            "select chunk");
      check(H5Sselect_hyperslab(memory.get(), H5S_SELECT_OR, local.data(), nullptr, count.data(),
                                nullptr),
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
      m_float_scratch.assign(static_cast<std::size_t>(box != nullptr ? cell_count(tile_part) : 1),
                             0.0F);
      if (tile != nullptr) {
        std::transform(columns.f64[f64_column], columns.f64[f64_column] + cell_count(tile_part),
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
    check(H5Dwrite(ds, memory_type, memory.get(), file_space.get(), dxpl.get(), data),
          "collective write of '" + var.name + "' to '" + m_file_name + "'");
    for (const tile_box& c : chunks) {
      m_bytes_written += cell_count(variable_box(var, c)) *
                         (var.type == value_type::u8 ? 1 : (var.stored_as_float32 ? 4 : 8));
    }
  }
#else
  (void)problem_index, (void)box, (void)tile, (void)chunks;
  throw error("internal: collective writes in a build without MPI");
#endif
}

} // namespace scalesweep::h5
