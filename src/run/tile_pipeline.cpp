// The tile pipeline: per problem, a pool of host tiles, the compute loop on the calling thread and
// a writer thread (round_queue) that writes each round and takes the run's collective decisions.
#include "run/tile_pipeline.hpp"

#include "run/host_tile_pool.hpp"
#include "run/interrupt.hpp"
#include "run/round_queue.hpp"
#include "run/round_writer.hpp"
#include "run/run_decisions.hpp"

#include <chrono>
#include <vector>

namespace scalesweep {

namespace {

using steady = std::chrono::steady_clock;

// Drains the backend before the host tiles it may still be copying into are freed (error paths).
class drain_guard {
public:
  explicit drain_guard(compute_backend& backend) : m_backend(backend) {}
  drain_guard(const drain_guard&) = delete;
  drain_guard& operator=(const drain_guard&) = delete;
  drain_guard(drain_guard&&) = delete;
  drain_guard& operator=(drain_guard&&) = delete;
  ~drain_guard() { m_backend.drain(); }

private:
  compute_backend& m_backend;
};

// The compute thread's part of a problem: submits this rank's tiles in order into free host
// tiles, and pushes each to the writer once its values are in, so that one tile computes while
// the previous one is waited for. A rank out of tiles joins the remaining rounds with nothing.
// Returns the number of tiles computed.
std::int64_t compute_rounds(const problem_grid& problem, const std::vector<tile_box>& tiles,
                            std::int64_t rounds, compute_backend& backend, round_queue& queue) {
  std::int64_t computed = 0;
  round_item previous;
  const auto flush_previous = [&] {
    if (previous.tile != nullptr) {
      backend.wait(*previous.tile);
      queue.push(previous);
      previous = {};
    }
  };
  for (std::int64_t r = 0; r < rounds && !queue.stopped(); ++r) {
    if (r >= static_cast<std::int64_t>(tiles.size())) {
      flush_previous();
      queue.push({}); // this rank joins the round's collective writes with nothing
      continue;
    }
    const tile_box& box = tiles[static_cast<std::size_t>(r)];
    host_tile* buffer = queue.acquire();
    if (buffer == nullptr) {
      break; // stopped
    }
    backend.submit(problem, box, *buffer);
    if (previous.tile != nullptr) {
      backend.wait(*previous.tile); // overlaps the kernel just submitted
      queue.push(previous);
    }
    previous = {&box, buffer};
    ++computed;
  }
  flush_previous();
  return computed;
}

// Runs problem `p`; returns the signal that stopped it, or 0.
int run_problem(const sweep_plan& plan, std::size_t p, compute_backend& backend, result_sink& sink,
                progress_reporter& progress, const communicator& comm,
                const pipeline_options& options, run_summary& s) {
  const problem_grid& problem = plan.problems[p];
  const std::vector<tile_box> tiles =
      assigned_tiles(problem, options.shard, comm.rank(), comm.size(), sink.done_chunks(p));
  const std::int64_t rounds = comm.max(static_cast<std::int64_t>(tiles.size()));
  if (rounds == 0) {
    return 0;
  }
  host_tile_pool pool(problem, backend.host_memory(), options.host_tiles, tiles.size());
  // Destroyed in reverse: on an error the writer thread stops first, then the backend is
  // drained, then the tiles are freed.
  const drain_guard drain(backend);
  run_decisions decisions(comm, options.checkpoint_seconds, rounds);
  round_writer writer(problem, p, sink, progress, comm, decisions);
  round_queue queue(rounds, pool.tiles(), [&writer](const round_item& item, std::int64_t round) {
    const bool stop = writer.write(item, round);
    debug_interrupt_delay();
    return stop;
  });
  s.tiles += compute_rounds(problem, tiles, rounds, backend, queue);
  queue.drain();
  add_statuses(s.statuses[p], writer.statuses());
  return writer.stop_signal();
}

} // namespace

std::int64_t assigned_cells(const sweep_plan& plan, const result_sink& sink,
                            const communicator& comm, const shard_spec& shard) {
  std::int64_t cells = 0;
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    for (const tile_box& t :
         assigned_tiles(plan.problems[p], shard, comm.rank(), comm.size(), sink.done_chunks(p))) {
      cells += cell_count(t);
    }
  }
  return cells;
}

std::int64_t recorded_done_cells(const sweep_plan& plan, const result_sink& sink) {
  std::int64_t cells = 0;
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    cells += cells_of_chunks(plan.problems[p], sink.done_chunks(p));
  }
  return cells;
}

run_summary run_pipeline(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                         progress_reporter& progress, const communicator& comm,
                         const pipeline_options& options) {
  const auto start = steady::now();
  run_summary s;
  s.statuses.assign(plan.problems.size(), status_tally{});
  const std::int64_t mine = assigned_cells(plan, sink, comm, options.shard);
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const int signal = run_problem(plan, p, backend, sink, progress, comm, options, s);
    if (signal != 0) {
      progress.finish();
      throw run_interrupted(signal, "interrupted by signal " + std::to_string(signal) +
                                        "; progress up to the last round is saved");
    }
  }
  sink.finish();
  progress.finish();
  s.cells = comm.sum(mine);
  s.bytes_written = comm.sum(sink.bytes_written());
  for (status_tally& counts : s.statuses) {
    for (std::int64_t& n : counts) {
      n = comm.sum(n);
    }
  }
  s.seconds = std::chrono::duration<double>(steady::now() - start).count();
  return s;
}

} // namespace scalesweep
