// The tile pipeline: a pool of host tiles, the compute loop on the calling thread, a writer thread.
#include "tile_pipeline.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace scalesweep {

namespace {

struct written_tile {
  std::size_t problem;
  tile_box box;
  host_tile* tile;
};

// Owns the writer thread. Tiles go in with push(); the thread writes them and hands the buffers
// back through acquire(). The first error of the writer is kept and rethrown to the producer.
class tile_writer {
public:
  tile_writer(result_sink& sink, progress_reporter& progress)
      : m_sink(sink), m_progress(progress), m_thread([this] { loop(); }) {}

  tile_writer(const tile_writer&) = delete;
  tile_writer& operator=(const tile_writer&) = delete;
  tile_writer(tile_writer&&) = delete;
  tile_writer& operator=(tile_writer&&) = delete;

  ~tile_writer() {
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
  }

  void add_free(host_tile* tile) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_free.push_back(tile);
  }

  host_tile* acquire() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_free.empty() || m_error; });
    rethrow_locked();
    host_tile* t = m_free.back();
    m_free.pop_back();
    return t;
  }

  void push(const written_tile& w) {
    {
      const std::lock_guard<std::mutex> lock(m_mutex);
      rethrow_locked();
      m_queue.push_back(w);
    }
    m_changed.notify_all();
  }

  // Waits until every queued tile is written and all `buffers` are back, then forgets them.
  void drain(std::size_t buffers) {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [&] { return (m_queue.empty() && m_free.size() == buffers) || m_error; });
    rethrow_locked();
    m_free.clear();
  }

private:
  void rethrow_locked() const {
    if (m_error) {
      std::rethrow_exception(m_error);
    }
  }

  void loop() {
    for (;;) {
      written_tile w{};
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_queue.empty() || m_stop; });
        if (m_stop || m_error) { // stop: drained normally, or abandoned after an error
          return;
        }
        w = m_queue.front();
        m_queue.pop_front();
      }
      try {
        m_sink.write_tile(w.problem, w.box, *w.tile);
        m_progress.advance(cell_count(w.box));
      } catch (...) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_error = std::current_exception();
      }
      {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_free.push_back(w.tile);
      }
      m_changed.notify_all();
    }
  }

  result_sink& m_sink;
  progress_reporter& m_progress;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<written_tile> m_queue;
  std::vector<host_tile*> m_free;
  std::exception_ptr m_error;
  bool m_stop = false;
  std::thread m_thread; // last: starts after the members it uses
};

// Waits for a tile still owned by the backend before its buffer is freed on an error path.
class in_flight_guard {
public:
  explicit in_flight_guard(compute_backend& backend) : m_backend(backend) {}
  in_flight_guard(const in_flight_guard&) = delete;
  in_flight_guard& operator=(const in_flight_guard&) = delete;
  in_flight_guard(in_flight_guard&&) = delete;
  in_flight_guard& operator=(in_flight_guard&&) = delete;
  ~in_flight_guard() {
    if (tile != nullptr) {
      try {
        m_backend.wait(*tile);
      } catch (...) { // already failing: the first error is the one reported
      }
    }
  }
  host_tile* tile = nullptr;

private:
  compute_backend& m_backend;
};

} // namespace

run_summary run_pipeline(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                         progress_reporter& progress, int host_tiles) {
  const auto start = std::chrono::steady_clock::now();
  run_summary s;
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const problem_plan& problem = plan.problems[p];
    std::vector<host_tile> pool;
    pool.reserve(static_cast<std::size_t>(host_tiles));
    for (int i = 0; i < host_tiles; ++i) {
      pool.emplace_back(problem, backend.host_memory());
    }
    // Declared after the pool: on an error the writer stops and the in-flight tile is waited
    // for before any buffer is freed.
    in_flight_guard in_flight(backend);
    tile_writer writer(sink, progress);
    for (host_tile& t : pool) {
      writer.add_free(&t);
    }
    written_tile previous{p, {}, nullptr};
    for (std::int64_t t = 0; t < problem.tile_count(); ++t) {
      const tile_box box = problem.tile(t);
      host_tile* buffer = writer.acquire();
      backend.submit(problem, box, *buffer);
      in_flight.tile = buffer;
      if (previous.tile != nullptr) {
        backend.wait(*previous.tile); // overlaps the kernel just submitted
        writer.push(previous);
      }
      previous = {p, box, buffer};
      s.cells += cell_count(box);
      ++s.tiles;
    }
    if (previous.tile != nullptr) {
      backend.wait(*previous.tile);
      in_flight.tile = nullptr;
      writer.push(previous);
    }
    writer.drain(pool.size());
  }
  sink.finish();
  progress.finish();
  s.bytes_written = sink.bytes_written();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

} // namespace scalesweep
