// The hand-off between a problem's compute thread and its writer thread: free host tiles go one
// way, computed rounds the other, in order, and the writer thread takes them one at a time. Under
// MPI a round is one tile per rank, so that the writers' collective calls line up.
#pragma once

#include "scalesweep/cells/tile.hpp"

#include "backends/host_tile.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scalesweep {

// One round of one rank: a computed tile, or nothing (MPI ranks with fewer tiles).
struct round_item {
  const tile_box* box = nullptr;
  host_tile* tile = nullptr;
};

class round_queue {
public:
  // Writes round number `round` (from 0) on the writer thread; returns whether the run stops
  // after it.
  using write_function = std::function<bool(const round_item& item, std::int64_t round)>;

  // Starts the writer thread, which passes rounds 0 to rounds - 1 to `write` in the order they
  // are pushed, each tile going back to the free ones once written. It ends early when `write`
  // stops the run or throws: the error is rethrown on the compute thread by its next call.
  round_queue(std::int64_t rounds, std::vector<host_tile*> free_tiles, write_function write);
  // Abandons the rounds not taken yet (an error path) and joins the writer thread.
  ~round_queue();
  round_queue(const round_queue&) = delete;
  round_queue& operator=(const round_queue&) = delete;
  round_queue(round_queue&&) = delete;
  round_queue& operator=(round_queue&&) = delete;

  // The compute thread's calls. A free tile, waiting for one; nullptr once the run stopped.
  host_tile* acquire();
  bool stopped();
  void push(const round_item& item);
  // Waits until every round pushed is written (or the run stopped) and every tile is free.
  void drain();

private:
  void rethrow_locked() const;
  void writer_loop();

  std::int64_t m_rounds;
  std::size_t m_tiles; // free and in use
  write_function m_write;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<round_item> m_queue;
  std::vector<host_tile*> m_free;
  std::exception_ptr m_error;
  bool m_busy = false; // the writer is writing a round
  bool m_stopped = false;
  bool m_abandon = false;
  std::thread m_thread; // last: starts after the members it uses
};

} // namespace scalesweep
