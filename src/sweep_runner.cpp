// The tile loop. Issue-level features (overlap, MPI, resume) change this loop, not the math.
#include "sweep_runner.hpp"

#include <chrono>

namespace scalesweep {

run_summary run_sweep(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                      progress_reporter& progress) {
  const auto start = std::chrono::steady_clock::now();
  run_summary s;
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const problem_plan& problem = plan.problems[p];
    host_tile tile(problem);
    for (std::int64_t t = 0; t < problem.tile_count(); ++t) {
      const tile_box box = problem.tile(t);
      backend.compute(problem, box, tile);
      sink.write_tile(p, box, tile);
      const std::int64_t n = cell_count(box);
      s.cells += n;
      s.bytes += n * problem.bytes_per_cell();
      ++s.tiles;
      progress.advance(n);
    }
  }
  sink.finish();
  progress.finish();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

} // namespace scalesweep
