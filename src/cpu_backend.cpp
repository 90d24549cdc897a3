// CPU backend: the shared per-cell functions in an OpenMP loop over the tile's cells.
#include "scalesweep/backend.hpp"
#include "scalesweep/problem_cells.hpp"

#include <omp.h>

#include <string>

namespace scalesweep {

namespace {

class cpu_backend final : public compute_backend {
public:
  cpu_backend(const sweep_plan& plan, int threads)
      : m_views(host_views(plan)), m_threads(threads > 0 ? threads : omp_get_max_threads()) {}

  std::string kind() const override { return "cpu"; }

  std::string description() const override {
    return "cpu (" + std::to_string(m_threads) + " OpenMP thread" + (m_threads == 1 ? "" : "s") +
           ")";
  }

  void compute(const problem_plan& problem, const tile_box& box, host_tile& out) override {
    const std::int64_t n = cell_count(box);
    const tile_columns columns = out.columns();
    const sweep_views views = m_views;
    const problem_kind kind = problem.kind;
#pragma omp parallel for schedule(static) num_threads(m_threads)
    for (std::int64_t i = 0; i < n; ++i) {
      compute_cell(kind, views, box, i, columns);
    }
  }

private:
  sweep_views m_views;
  int m_threads;
};

} // namespace

std::unique_ptr<compute_backend> make_cpu_backend(const sweep_plan& plan, int threads) {
  return std::make_unique<cpu_backend>(plan, threads);
}

} // namespace scalesweep
