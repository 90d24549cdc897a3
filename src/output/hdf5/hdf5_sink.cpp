// The result sink: the partial file (created or resumed), its chunk writer and checkpoint
// recorder, and the rename that publishes the finished file.
#include "output/hdf5/hdf5_sink.hpp"

#include "output/hdf5/checkpoint_recorder.hpp"
#include "output/hdf5/chunk_writer.hpp"
#include "output/hdf5/partial_file.hpp"
#include "output/rename_into_place.hpp"
#include "run/parallel/communicator.hpp"

namespace scalesweep {

namespace {

class hdf5_sink final : public result_sink {
public:
  hdf5_sink(const sweep_plan& plan, const shard_spec& shard, const communicator& comm,
            const sink_options& options)
      : m_comm(comm), m_paths(options.paths),
        m_partial(h5::open_partial_file(plan, shard, comm, options)),
        m_writer(m_partial.file.get(), plan, comm.parallel(), options.compression_threads,
                 m_paths.partial),
        m_recorder(m_partial.file.get(), plan, comm, m_paths.partial, m_partial.identity) {}

  hdf5_sink(const hdf5_sink&) = delete;
  hdf5_sink& operator=(const hdf5_sink&) = delete;
  hdf5_sink(hdf5_sink&&) = delete;
  hdf5_sink& operator=(hdf5_sink&&) = delete;
  // Without finish() the handles close and the partial file stays: its last checkpoint resumes.
  ~hdf5_sink() override = default;

  const std::vector<std::uint8_t>& done_chunks(std::size_t problem_index) const override {
    return m_recorder.done(problem_index);
  }

  std::int64_t bytes_written() const override { return m_writer.bytes_written(); }

private:
  void do_write_tile(std::size_t problem_index, const tile_box* box,
                     const host_tile* tile) override {
    m_writer.write(problem_index, box, tile, m_recorder.done(problem_index));
  }

  void do_checkpoint(std::size_t problem_index, const std::vector<std::int64_t>& chunks) override {
    m_recorder.record(problem_index, chunks);
  }

  // Publishes the file: closed by every rank, renamed by rank 0 while it is still the file this
  // run opened.
  void do_finish() override {
    m_recorder.close();
    m_writer.close();
    m_partial.file.close("close '" + m_paths.partial + "'");
    if (m_comm.rank() == 0) {
      h5::check_still_named(m_paths.partial, m_partial.identity);
      h5::rename_into_place(m_paths.partial, m_paths.final_path);
    }
    m_comm.barrier();
  }

  const communicator& m_comm;
  output_paths m_paths;
  h5::opened_partial m_partial;
  h5::chunk_writer m_writer;
  h5::checkpoint_recorder m_recorder;
};

} // namespace

std::unique_ptr<result_sink> open_hdf5_sink(const sweep_plan& plan, const shard_spec& shard,
                                            const communicator& comm, const sink_options& options) {
  return std::make_unique<hdf5_sink>(plan, shard, comm, options);
}

} // namespace scalesweep
