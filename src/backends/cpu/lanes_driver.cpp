// Gathers a segment's inputs for the SIMD lanes and finishes each cell with the shared scalar code.
#include "backends/cpu/lanes_driver.hpp"

#include "backends/cpu/simd/cpu_lanes.hpp"

#include <vector>

namespace scalesweep {

namespace {

// Per-thread scratch for one segment: inputs, lane outputs and which cells use them.
struct lane_scratch {
  std::vector<double> input, ln_N, ln_D, N, D, loss;
  std::vector<unsigned char> converged, regular;

  simd::lane_output resize(std::size_t n) {
    for (std::vector<double>* v : {&input, &ln_N, &ln_D, &N, &D, &loss}) {
      v->resize(n);
    }
    converged.resize(n);
    regular.resize(n);
    return {ln_N.data(), ln_D.data(), N.data(), D.data(), loss.data(), converged.data()};
  }
};

lane_scratch& scratch() {
  thread_local lane_scratch s;
  return s;
}

// Irregular cells get a regular cell's input, so every lane computes something valid; returns
// false when no cell of the segment is regular.
bool fill_irregular(lane_scratch& s, std::size_t n) {
  std::size_t first = n;
  for (std::size_t j = 0; j < n && first == n; ++j) {
    first = s.regular[j] ? j : n;
  }
  if (first == n) {
    return false;
  }
  for (std::size_t j = 0; j < n; ++j) {
    s.input[j] = s.regular[j] ? s.input[j] : s.input[first];
  }
  return true;
}

bool lane_usable(const lane_scratch& s, std::size_t j) {
  return s.regular[j] && s.converged[j] && in_double_range(s.ln_N[j]) && in_double_range(s.ln_D[j]);
}

} // namespace

void loss_target_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                               std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::loss_target>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const auto n = static_cast<std::size_t>(end - begin);
  lane_scratch& s = scratch();
  const simd::lane_output lanes = s.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const loss_target_terms& target =
        v.loss_targets[at.first_grid + begin + static_cast<std::int64_t>(j)];
    s.regular[j] = loss_target_needs_root(target, r.demand) ? 1 : 0;
    s.input[j] = target.ln_R;
  }
  if (fill_irregular(s, n)) {
    simd::loss_target_lanes(v.law, r.demand.ln_t_eff, s.input.data(), static_cast<std::int64_t>(n),
                            lanes);
  }
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t l = at.first_grid + begin + static_cast<std::int64_t>(j);
    const std::int64_t i = at.first_out + begin + static_cast<std::int64_t>(j);
    if (lane_usable(s, j)) {
      rows::store(loss_target_result_of(r.hardware, r.demand, v.loss_targets[l], s.N[j], s.D[j],
                                        simd::lane_steps),
                  i, out);
    } else {
      rows::cell(v, r, l, i, out);
    }
  }
}

void budget_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::budget>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const auto n = static_cast<std::size_t>(end - begin);
  lane_scratch& s = scratch();
  const simd::lane_output lanes = s.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t b = at.first_grid + begin + static_cast<std::int64_t>(j);
    const budget_terms terms = make_budget_terms(r.hardware, v.budget[b], v.ln_budget[b]);
    s.regular[j] = budget_needs_root(v.law, terms, r.demand) ? 1 : 0;
    s.input[j] = terms.ln_C;
  }
  if (fill_irregular(s, n)) {
    simd::budget_lanes(v.law, r.demand.ln_t_eff, s.input.data(), static_cast<std::int64_t>(n),
                       lanes);
  }
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t b = at.first_grid + begin + static_cast<std::int64_t>(j);
    const std::int64_t i = at.first_out + begin + static_cast<std::int64_t>(j);
    if (lane_usable(s, j)) {
      rows::store(budget_result_of({s.N[j], s.D[j], s.loss[j]}, r.chinchilla[b], simd::lane_steps),
                  i, out);
    } else {
      rows::cell(v, r, b, i, out);
    }
  }
}

} // namespace scalesweep
