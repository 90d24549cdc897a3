// CPU backend: the shared row/cell functions under OpenMP, over segments of rows of each tile.
#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/cells/problem_dispatch.hpp"

#include "backends/backend.hpp"
#include "backends/cpu/lanes_driver.hpp"
#include "backends/cpu/sample_tiles.hpp"
#include "backends/cpu/simd/cpu_lanes.hpp"
#include "backends/cpu/simd/dense_rows.hpp"
#include "plan/sweep_terms.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

namespace scalesweep {

namespace {

// Work items of a few thousand cells: long enough that a row's setup is noise, short enough
// that a tile of few long rows still spreads over every thread.
constexpr std::int64_t segment_cells = 2048;

// The optimum problems, and the regret grid's share form, use the SIMD lanes where the CPU has
// them; the other dense grids are simple enough loops for the compiler to vectorise as they are.
template <problem_kind Kind>
void compute_segment(const sweep_views& views, const tile_box& box, std::int64_t row,
                     std::int64_t begin, std::int64_t end, const tile_columns& out, bool lanes) {
  if constexpr (Kind == problem_kind::loss_target || Kind == problem_kind::budget) {
    compute_optimum_segment(Kind, views, box, row, begin, end, out, lanes);
  } else if constexpr (Kind == problem_kind::regret) {
    if (lanes) {
      regret_segment_lanes(views, box, row, begin, end, out);
    } else {
      compute_row<Kind>(views, box, row, begin, end, 1, out);
    }
  } else if constexpr (Kind == problem_kind::robust) {
    if (lanes) {
      robust_segment_lanes(views, box, row, begin, end, out);
    } else {
      compute_row<Kind>(views, box, row, begin, end, 1, out);
    }
  } else if (!(lanes && simd::dense_row(Kind, views, box, row, begin, end, out))) {
    compute_row<Kind>(views, box, row, begin, end, 1, out);
  }
}

template <problem_kind Kind>
void compute_tile(const sweep_views& views, const tile_box& box, const tile_columns& out,
                  int threads, bool lanes) {
  check_tile_rank<Kind>(box);
  const std::int64_t length = row_length(box);
  const std::int64_t segments = ceil_div(length, segment_cells);
  const std::int64_t items = row_count(box) * segments;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::int64_t item = 0; item < items; ++item) {
    const std::int64_t row = item / segments;
    const std::int64_t begin = (item % segments) * segment_cells;
    compute_segment<Kind>(views, box, row, begin, std::min(begin + segment_cells, length), out,
                          lanes);
  }
}

class cpu_backend final : public compute_backend {
public:
  cpu_backend(const sweep_plan& plan, int threads)
      : m_terms(make_sweep_terms(plan)), m_views(host_views(plan, m_terms)),
        m_samples(make_sample_inputs(plan)),
        m_threads(threads > 0 ? threads : omp_get_max_threads()), m_lanes(simd::lanes_available()) {
  }

  std::string kind() const override { return "cpu"; }

  std::string description() const override {
    return "cpu (" + std::to_string(m_threads) + " OpenMP thread" + (m_threads == 1 ? "" : "s") +
           (m_lanes ? std::string(", ") + simd::lanes_isa() + " lanes" : std::string()) + ")";
  }

  void submit(const problem_grid& problem, const tile_box& box, host_tile& out) override {
    const tile_columns columns = out.columns();
    if (has_sample_axis(problem.kind)) {
      compute_sample_tile(problem.kind, m_views, m_samples, box, columns, m_threads, m_lanes);
      return;
    }
    with_problem_kind(problem.kind, [&](auto kind) {
      compute_tile<decltype(kind)::value>(m_views, box, columns, m_threads, m_lanes);
    });
  }

  void wait(host_tile& /*out*/) override {}

private:
  sweep_terms m_terms;
  sweep_views m_views;
  sample_inputs m_samples;
  int m_threads;
  bool m_lanes;
};

} // namespace

std::unique_ptr<compute_backend> make_cpu_backend(const sweep_plan& plan, int threads) {
  return std::make_unique<cpu_backend>(plan, threads);
}

} // namespace scalesweep
