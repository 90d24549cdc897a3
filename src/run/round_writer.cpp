// One round on the writer thread, in the order the sink's collective calls need.
#include "run/round_writer.hpp"

#include "plan/work_assignment.hpp"

namespace scalesweep {

round_writer::round_writer(const problem_grid& problem, std::size_t problem_index,
                           result_sink& sink, progress_reporter& progress, const communicator& comm,
                           run_decisions& decisions)
    : m_problem(problem), m_problem_index(problem_index), m_sink(sink), m_progress(progress),
      m_comm(comm), m_decisions(decisions) {}

bool round_writer::write(const round_item& item, std::int64_t round) {
  m_sink.write_tile(m_problem_index, item.box, item.tile);
  if (item.box != nullptr && m_problem.has_status()) {
    count_statuses(m_statuses, item.tile->status(), cell_count(*item.box));
  }
  if (item.box != nullptr) {
    for (std::int64_t c : chunk_indices(m_problem, *item.box)) {
      if (m_sink.done_chunks(m_problem_index)[static_cast<std::size_t>(c)] == 0) {
        m_written.push_back(c);
      }
    }
  }
  m_progress.advance(m_comm.sum(item.box != nullptr ? cell_count(*item.box) : 0));
  const round_decision decision = m_decisions.after_round(round);
  if (decision.checkpoint) {
    m_sink.checkpoint(m_problem_index, m_comm.all_gather(m_written));
    m_written.clear();
    m_decisions.checkpoint_written();
  }
  m_stop_signal = decision.stop_signal;
  return decision.stop_signal != 0;
}

} // namespace scalesweep
