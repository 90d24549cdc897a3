// The tile pipeline: a pool of host tiles, the compute loop on the calling thread, a writer thread
// that also makes the run's collective decisions (checkpoint, stop) once per round.
#include "run/tile_pipeline.hpp"

#include "run/interrupt.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace scalesweep {

namespace {

using steady = std::chrono::steady_clock;

// One round of one rank: a computed tile, or nothing (MPI ranks with fewer tiles).
struct round_item {
  const tile_box* box = nullptr;
  host_tile* tile = nullptr;
};

class tile_writer {
public:
  tile_writer(const problem_plan& problem, std::size_t problem_index, std::int64_t rounds,
              result_sink& sink, progress_reporter& progress, const communicator& comm,
              double checkpoint_seconds)
      : m_problem(problem), m_problem_index(problem_index), m_rounds(rounds), m_sink(sink),
        m_progress(progress), m_comm(comm), m_checkpoint_seconds(checkpoint_seconds),
        m_last_checkpoint(steady::now()), m_thread([this] { loop(); }) {}

  tile_writer(const tile_writer&) = delete;
  tile_writer& operator=(const tile_writer&) = delete;
  tile_writer(tile_writer&&) = delete;
  tile_writer& operator=(tile_writer&&) = delete;

  ~tile_writer() {
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      m_abandon = true;
    }
    m_changed.notify_all();
    m_thread.join();
  }

  void add_free(host_tile* tile) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_free.push_back(tile);
  }

  // A free buffer, or nullptr once the writer has stopped the run (interrupted).
  host_tile* acquire() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_free.empty() || m_error || m_stopped; });
    rethrow_locked();
    if (m_stopped) {
      return nullptr;
    }
    host_tile* t = m_free.back();
    m_free.pop_back();
    return t;
  }

  bool stopped() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    rethrow_locked();
    return m_stopped;
  }

  void push(const round_item& item) {
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      rethrow_locked();
      m_queue.push_back(item);
    }
    m_changed.notify_all();
  }

  // Waits until every round is written (or the run stopped) and all buffers are back.
  void drain(std::size_t buffers) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [&] {
      return m_error || (m_stopped && !m_busy) ||
             (m_queue.empty() && m_free.size() == buffers && !m_busy);
    });
    rethrow_locked();
  }

  int stop_signal() const { return m_stop_signal; }

  // This rank's cells per status written so far (call after drain()).
  status_counts statuses() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    return m_statuses;
  }

private:
  void rethrow_locked() const {
    if (m_error) {
      std::rethrow_exception(m_error);
    }
  }

  void loop() {
    for (std::int64_t round = 0; round < m_rounds; ++round) {
      round_item item;
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_queue.empty() || m_abandon; });
        if (m_abandon) {
          return;
        }
        item = m_queue.front();
        m_queue.pop_front();
        m_busy = true;
      }
      bool stop = false;
      try {
        stop = write_round(item, round);
        debug_interrupt_delay();
      } catch (...) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_error = std::current_exception();
      }
      {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (item.tile != nullptr) {
          m_free.push_back(item.tile);
        }
        m_busy = false;
        m_stopped = m_stopped || stop;
      }
      m_changed.notify_all();
      if (stop || m_error) {
        return;
      }
    }
  }

  // Writes one round and takes the run's decisions together with the other ranks: whether to
  // checkpoint (time, interruption, last round) and whether to stop. Returns whether to stop.
  bool write_round(const round_item& item, std::int64_t round) {
    m_sink.write_tile(m_problem_index, item.box, item.tile);
    if (item.box != nullptr && m_problem.has_status()) {
      count_statuses(item.tile->status(), cell_count(*item.box));
    }
    if (item.box != nullptr) {
      for (std::int64_t c : chunk_indices(m_problem, *item.box)) {
        if (m_sink.done_chunks(m_problem_index)[static_cast<std::size_t>(c)] == 0) {
          m_written.push_back(c);
        }
      }
    }
    m_progress.advance(m_comm.sum(item.box != nullptr ? cell_count(*item.box) : 0));
    const double since = std::chrono::duration<double>(steady::now() - m_last_checkpoint).count();
    const int signal = interrupt_signal();
    const std::int64_t flags =
        m_comm.max((signal != 0 ? 2 : 0) | (since >= m_checkpoint_seconds ? 1 : 0));
    const bool stop = (flags & 2) != 0;
    if (stop || (flags & 1) != 0 || round == m_rounds - 1) {
      m_sink.checkpoint(m_problem_index, m_comm.all_gather(m_written));
      m_written.clear();
      m_last_checkpoint = steady::now();
    }
    if (stop) {
      m_stop_signal = signal != 0 ? signal : 15; // a rank not signalled itself follows the others
    }
    return stop;
  }

  // On the writer thread, one byte per optimum cell: negligible beside the math and the write.
  void count_statuses(const std::uint8_t* status, std::int64_t cells) {
    status_counts counts{};
    for (std::int64_t i = 0; i < cells; ++i) {
      // Codes come from the backends' status enum; a stray value would be a bug, not a status.
      counts.at(status[i]) += 1;
    }
    const std::lock_guard<std::mutex> lock(m_mutex);
    for (std::size_t k = 0; k < counts.size(); ++k) {
      m_statuses[k] += counts[k];
    }
  }

  const problem_plan& m_problem;
  std::size_t m_problem_index;
  std::int64_t m_rounds;
  result_sink& m_sink;
  progress_reporter& m_progress;
  const communicator& m_comm;
  double m_checkpoint_seconds;
  steady::time_point m_last_checkpoint;
  std::vector<std::int64_t> m_written; // chunks written since the last checkpoint
  status_counts m_statuses{};
  int m_stop_signal = 0;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<round_item> m_queue;
  std::vector<host_tile*> m_free;
  std::exception_ptr m_error;
  bool m_busy = false;
  bool m_stopped = false;
  bool m_abandon = false;
  std::thread m_thread; // last: starts after the members it uses
};

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

// Runs one problem; returns the signal that stopped it, or 0.
int run_problem(const sweep_plan& plan, std::size_t p, compute_backend& backend, result_sink& sink,
                progress_reporter& progress, const communicator& comm,
                const pipeline_options& options, run_summary& s) {
  const problem_plan& problem = plan.problems[p];
  const std::vector<tile_box> tiles =
      assigned_tiles(problem, options.shard, comm.rank(), comm.size(), sink.done_chunks(p));
  const std::int64_t rounds = comm.max(static_cast<std::int64_t>(tiles.size()));
  if (rounds == 0) {
    return 0;
  }
  std::vector<host_tile> pool;
  const int buffers = std::min<int>(options.host_tiles, static_cast<int>(tiles.size()) + 1);
  pool.reserve(static_cast<std::size_t>(buffers));
  for (int i = 0; i < buffers; ++i) {
    pool.emplace_back(problem, backend.host_memory());
  }
  // After the pool: on an error the writer stops, then the backend is drained, then the buffers
  // are freed.
  const drain_guard drain(backend);
  tile_writer writer(problem, p, rounds, sink, progress, comm, options.checkpoint_seconds);
  for (host_tile& t : pool) {
    writer.add_free(&t);
  }
  round_item previous;
  const auto flush_previous = [&] {
    if (previous.tile != nullptr) {
      backend.wait(*previous.tile);
      writer.push(previous);
      previous = {};
    }
  };
  for (std::int64_t r = 0; r < rounds && !writer.stopped(); ++r) {
    if (r >= static_cast<std::int64_t>(tiles.size())) {
      flush_previous();
      writer.push({}); // this rank joins the round's collective writes with nothing
      continue;
    }
    const tile_box& box = tiles[static_cast<std::size_t>(r)];
    host_tile* buffer = writer.acquire();
    if (buffer == nullptr) {
      break; // stopped
    }
    backend.submit(problem, box, *buffer);
    if (previous.tile != nullptr) {
      backend.wait(*previous.tile); // overlaps the kernel just submitted
      writer.push(previous);
    }
    previous = {&box, buffer};
    ++s.tiles;
  }
  flush_previous();
  writer.drain(pool.size());
  const status_counts counts = writer.statuses();
  for (std::size_t k = 0; k < counts.size(); ++k) {
    s.statuses[p][k] += counts[k];
  }
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
  s.statuses.assign(plan.problems.size(), status_counts{});
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
  for (status_counts& counts : s.statuses) {
    for (std::int64_t& n : counts) {
      n = comm.sum(n);
    }
  }
  s.seconds = std::chrono::duration<double>(steady::now() - start).count();
  return s;
}

} // namespace scalesweep
