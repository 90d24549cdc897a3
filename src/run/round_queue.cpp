// The compute/writer hand-off: one mutex and one condition variable guard the queue, the free
// tiles and the writer's state; every change notifies both sides.
#include "run/round_queue.hpp"

#include <utility>

namespace scalesweep {

round_queue::round_queue(std::int64_t rounds, std::vector<host_tile*> free_tiles,
                         write_function write)
    : m_rounds(rounds), m_tiles(free_tiles.size()), m_write(std::move(write)),
      m_free(std::move(free_tiles)), m_thread([this] { writer_loop(); }) {}

round_queue::~round_queue() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_abandon = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

host_tile* round_queue::acquire() {
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

bool round_queue::stopped() {
  const std::lock_guard<std::mutex> lock(m_mutex);
  rethrow_locked();
  return m_stopped;
}

void round_queue::push(const round_item& item) {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    rethrow_locked();
    m_queue.push_back(item);
  }
  m_changed.notify_all();
}

void round_queue::drain() {
  std::unique_lock<std::mutex> lock(m_mutex);
  m_changed.wait(lock, [&] {
    return m_error || (m_stopped && !m_busy) ||
           (m_queue.empty() && m_free.size() == m_tiles && !m_busy);
  });
  rethrow_locked();
}

void round_queue::rethrow_locked() const {
  if (m_error) {
    std::rethrow_exception(m_error);
  }
}

void round_queue::writer_loop() {
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
      stop = m_write(item, round);
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

} // namespace scalesweep
