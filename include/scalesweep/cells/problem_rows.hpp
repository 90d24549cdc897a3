// Per-row and per-cell work of each problem. Both backends run these: decode a row's outer indices
// once, then the cells along the innermost axis use precomputed per-axis terms and the solvers.
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/cells/tile.hpp"
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/constrained_regret.hpp"
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/implied_demand.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

template <problem_kind Kind>
struct problem_rows;

// What every problem's rows know of its dimensions (problem_kind.hpp's *_axes): their count, and
// a cell's grid index along one of them.
template <const auto& Axes>
struct on_axes {
  static constexpr int rank = axes_rank<Axes>;

  template <axis_id Id>
  SCALESWEEP_HD static std::int64_t at(const std::int64_t* g) {
    return g[axis_position<Axes, Id>];
  }
};

// loss(N, D): a row is one N; a cell adds the D term.
template <>
struct problem_rows<problem_kind::dense_loss> : on_axes<dense_loss_axes> {
  struct row {
    double parameter;
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    return {v.parameter_terms[at<axis_id::N>(g)]};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t d, std::int64_t i,
                                 const tile_columns& out) {
    out.f64[0][i] = loss_from_terms(v.law.law, r.parameter, v.data_terms[d]);
  }
};

// cost(hardware, T, N, D): a row is one (hardware, T, N); a cell adds the training cost.
template <>
struct problem_rows<problem_kind::dense_cost> : on_axes<dense_cost_axes> {
  struct row {
    cost_coefficients k;
    double N;
    double inference;
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const cost_coefficients& k = v.hardware[at<axis_id::hardware>(g)].k;
    const double N = v.N[at<axis_id::N>(g)];
    return {k, N, inference_cost(k, N, v.T[at<axis_id::T>(g)])};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t d, std::int64_t i,
                                 const tile_columns& out) {
    out.f64[0][i] = lifetime_cost_of_parts(training_cost(r.k, r.N, v.D[d]), r.inference);
  }
};

// The lesson's curves: a row is one (hardware, T, budget); a cell is a model size N trained on
// what the budget leaves after serving T. NaN where nothing is left.
template <>
struct problem_rows<problem_kind::budget_curve> : on_axes<budget_curve_axes> {
  struct row {
    double C;
    double t_eff;
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const cost_coefficients& k = v.hardware[at<axis_id::hardware>(g)].k;
    return {budget_in_training_flops(k, v.budget[at<axis_id::budget>(g)]),
            effective_inference_tokens(k, v.T[at<axis_id::T>(g)])};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t n, std::int64_t i,
                                 const tile_columns& out) {
    const double D = budget_line_tokens(r.C, r.t_eff, v.N[n]);
    const bool feasible = D > 0;
    out.f64[budget_curve_columns::loss][i] =
        feasible ? loss_from_terms(v.law.law, v.parameter_terms[n], data_term(v.law.law, D)) : NAN;
    out.f64[budget_curve_columns::D][i] = feasible ? D : NAN;
  }
};

// Loss-target optima: a row is one (hardware, T); a cell is a loss target. Under serving
// constraints the cell is the constrained problem's, with this hardware's bound per target.
template <>
struct problem_rows<problem_kind::loss_target> : on_axes<loss_target_axes> {
  struct row {
    hardware_terms hardware;
    struct demand demand;
    const loss_target_bound* bounds; // this hardware's row of [hardware][loss_target]; or null
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const std::int64_t hw = at<axis_id::hardware>(g);
    const hardware_terms& h = v.hardware[hw];
    const std::int64_t t = at<axis_id::T>(g);
    return {h, make_demand(h, v.T[t], v.ln_T[t]),
            v.loss_target_bounds != nullptr ? v.loss_target_bounds + hw * v.loss_target_count
                                            : nullptr};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t l, std::int64_t i,
                                 const tile_columns& out) {
    store(loss_target_cell_under(v.law, r.hardware, r.demand, v.loss_targets[l],
                                 r.bounds != nullptr ? r.bounds + l : nullptr),
          i, out);
  }
  SCALESWEEP_HD static void store(const loss_target_result& x, std::int64_t i,
                                  const tile_columns& out) {
    namespace c = loss_target_columns;
    out.f64[c::N][i] = x.N;
    out.f64[c::D][i] = x.D;
    out.f64[c::tokens_per_param][i] = x.tokens_per_param;
    out.f64[c::cost][i] = x.cost;
    out.f64[c::train_cost][i] = x.train_cost;
    out.f64[c::serve_cost][i] = x.serve_cost;
    out.f64[c::chinchilla_N][i] = x.chinchilla_N;
    out.f64[c::chinchilla_D][i] = x.chinchilla_D;
    out.f64[c::chinchilla_tokens_per_param][i] = x.chinchilla_tokens_per_param;
    out.f64[c::chinchilla_cost][i] = x.chinchilla_cost;
    out.f64[c::chinchilla_train_cost][i] = x.chinchilla_train_cost;
    out.f64[c::chinchilla_serve_cost][i] = x.chinchilla_serve_cost;
    out.status[i] = static_cast<std::uint8_t>(x.status);
  }
};

// Budget optima: a row is one (hardware, T); a cell is a budget. Under serving constraints the
// cell is the constrained problem's, with this hardware's N_max.
template <>
struct problem_rows<problem_kind::budget> : on_axes<budget_axes> {
  struct row {
    hardware_terms hardware;
    struct demand demand;
    const budget_model* chinchilla; // this hardware's row of the [hardware][budget] table
    const serving_limit* limit;     // this hardware's N_max; or null
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const std::int64_t h = at<axis_id::hardware>(g);
    const std::int64_t t = at<axis_id::T>(g);
    return {v.hardware[h], make_demand(v.hardware[h], v.T[t], v.ln_T[t]),
            v.budget_chinchilla + h * v.budget_count,
            v.serving_limits != nullptr ? v.serving_limits + h : nullptr};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t b, std::int64_t i,
                                 const tile_columns& out) {
    store(budget_cell_under(v.law, r.hardware,
                            make_budget_terms(r.hardware, v.budget[b], v.ln_budget[b]),
                            r.chinchilla[b], r.demand, r.limit),
          i, out);
  }
  SCALESWEEP_HD static void store(const budget_result& x, std::int64_t i, const tile_columns& out) {
    namespace c = budget_columns;
    out.f64[c::N][i] = x.N;
    out.f64[c::D][i] = x.D;
    out.f64[c::tokens_per_param][i] = x.tokens_per_param;
    out.f64[c::loss][i] = x.loss;
    out.f64[c::train_cost][i] = x.train_cost;
    out.f64[c::serve_cost][i] = x.serve_cost;
    out.f64[c::chinchilla_N][i] = x.chinchilla_N;
    out.f64[c::chinchilla_D][i] = x.chinchilla_D;
    out.f64[c::chinchilla_tokens_per_param][i] = x.chinchilla_tokens_per_param;
    out.f64[c::chinchilla_loss][i] = x.chinchilla_loss;
    out.f64[c::chinchilla_train_cost][i] = x.chinchilla_train_cost;
    out.f64[c::chinchilla_serve_cost][i] = x.chinchilla_serve_cost;
    out.status[i] = static_cast<std::uint8_t>(x.status);
  }
};

// Implied demand (SPEC §5.3): a row is one (hardware, N); a cell is a training-token count D,
// and holds the T for which (N, D) is the loss-target optimum at its own loss (undertrained where
// none is), from the per-axis terms the dense loss grid uses.
template <>
struct problem_rows<problem_kind::implied_demand> : on_axes<implied_demand_axes> {
  struct row {
    implied_demand_scale scale;
    double parameter;
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    return {make_implied_demand_scale(v.law, v.hardware[at<axis_id::hardware>(g)]),
            v.parameter_terms[at<axis_id::N>(g)]};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t d, std::int64_t i,
                                 const tile_columns& out) {
    const implied_demand_result x =
        implied_demand_from_terms(v.law.law, r.scale, r.parameter, v.data_terms[d], v.D[d]);
    out.f64[implied_demand_columns::T][i] = x.T;
    out.status[i] = static_cast<std::uint8_t>(x.status);
  }
};

// Dense regret (SPEC §5.4): a row is one (hardware, T_plan, T); a cell is a loss target. Both
// models are rows of the [hardware][T][loss_target] table of optima solved once per sweep
// (T_plan takes the T axis' values; under serving constraints the constrained optima), so a cell
// finds no root: the ratio form from the table's columns (one division); where that leaves less
// than regret_ratio_floor, the share form from the share columns (near the diagonal); where a
// model is not ok, constrained_regret_cell.
template <>
struct problem_rows<problem_kind::regret> : on_axes<regret_axes> {
  struct row {
    const regret_optimum* plan;   // the optima at T_plan, one per loss target
    const regret_optimum* actual; // the optima at T
    const double* plan_N;         // their regret_model_columns: the ratio form's
    const double* plan_D;
    const double* actual_cost;
    const double* plan_delta; // and the share form's
    const double* actual_delta;
    const double* actual_q;
    const double* actual_one_minus_q;
    double t_eff; // the actual demand's, in FLOP units
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const std::int64_t h = at<axis_id::hardware>(g);
    const std::int64_t t = at<axis_id::T>(g);
    const std::int64_t of_hardware = h * v.T_count * v.loss_target_count;
    const std::int64_t plan = of_hardware + at<axis_id::T_plan>(g) * v.loss_target_count;
    const std::int64_t actual = of_hardware + t * v.loss_target_count;
    const regret_model_columns& m = v.regret_models;
    return {v.regret_optima + plan,
            v.regret_optima + actual,
            m.N + plan,
            m.D + plan,
            m.cost + actual,
            m.delta + plan,
            m.delta + actual,
            m.q + actual,
            m.one_minus_q + actual,
            make_demand(v.hardware[h], v.T[t], v.ln_T[t]).t_eff};
  }
  // The ratio form alone: NaN where a model is not ok (the table's NaN), and below
  // regret_ratio_floor not accurate enough; `cell` and the CPU's lanes then take the share form.
  SCALESWEEP_HD static double ratio(const row& r, std::int64_t l) {
    return regret_from_models(r.plan_N[l], r.plan_D[l], r.actual_cost[l], r.t_eff);
  }
  // The share form (regret_cell's below the floor) from the columns: NaN where a model is not ok.
  SCALESWEEP_HD static double share_form(const prepared_law& p, const row& r, std::int64_t l) {
    return regret_of(
        p, r.plan_delta[l],
        optimum_share<double>{r.actual_delta[l], NAN, r.actual_q[l], r.actual_one_minus_q[l]});
  }
  // The ratio, else the share form (both models ok: regret_cell), else constrained_regret_cell,
  // which reads the whole optima (a model on a serving bound, or none).
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t l, std::int64_t i,
                                 const tile_columns& out) {
    const double fast = ratio(r, l);
    if (ratio_form_holds(fast)) {
      store(regret_result{fast, cell_status::ok}, i, out);
      return;
    }
    const double share = share_form(v.law, r, l);
    store(!std::isnan(share) ? regret_result{share, cell_status::ok}
                             : constrained_regret_cell(v.law, r.plan[l], r.actual[l], r.t_eff),
          i, out);
  }
  SCALESWEEP_HD static void store(const regret_result& x, std::int64_t i, const tile_columns& out) {
    out.f64[regret_columns::regret][i] = x.regret;
    out.status[i] = static_cast<std::uint8_t>(x.status);
  }
};

// The robust choice (SPEC §5.4): a row is one (hardware, spread, T); a cell is a loss target, and
// holds the model of least largest regret over [T/s, T s]: two endpoint roots and a closed form.
// Under serving constraints the references and the model are the constrained problem's, with
// this hardware's bound per target (constrained_robust_cell_result).
template <>
struct problem_rows<problem_kind::robust> : on_axes<robust_axes> {
  struct row {
    struct demand demand;
    spread_terms spread;
    const loss_target_bound* bounds; // this hardware's row of [hardware][loss_target]; or null
  };
  SCALESWEEP_HD static row make(const sweep_views& v, const std::int64_t* g) {
    const std::int64_t hw = at<axis_id::hardware>(g);
    const hardware_terms& h = v.hardware[hw];
    const std::int64_t t = at<axis_id::T>(g);
    return {make_demand(h, v.T[t], v.ln_T[t]), v.spreads[at<axis_id::spread>(g)],
            v.loss_target_bounds != nullptr ? v.loss_target_bounds + hw * v.loss_target_count
                                            : nullptr};
  }
  SCALESWEEP_HD static void cell(const sweep_views& v, const row& r, std::int64_t l, std::int64_t i,
                                 const tile_columns& out) {
    store(constrained_robust_cell_result(v.law, r.demand, v.loss_targets[l], r.spread,
                                         r.bounds != nullptr ? r.bounds + l : nullptr),
          i, out);
  }
  SCALESWEEP_HD static void store(const robust_result& x, std::int64_t i, const tile_columns& out) {
    out.f64[robust_columns::N][i] = x.N;
    out.f64[robust_columns::D][i] = x.D;
    out.f64[robust_columns::regret][i] = x.regret;
    out.status[i] = static_cast<std::uint8_t>(x.status);
  }
};

// Cells first, first + step, ... of row `row` of the box: the CPU passes (0, 1) and a whole row,
// a CUDA block its threads' lanes of a row segment [begin, end).
template <problem_kind Kind>
SCALESWEEP_HD void compute_row(const sweep_views& v, const tile_box& box, std::int64_t row,
                               std::int64_t begin, std::int64_t end, std::int64_t step,
                               const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  using rows = problem_rows<Kind>;
  row_grid_index<rows::rank>(box, row, g);
  const typename rows::row context = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  for (std::int64_t j = begin; j < end; j += step) {
    rows::cell(v, context, at.first_grid + j, at.first_out + j, out);
  }
}

} // namespace scalesweep
