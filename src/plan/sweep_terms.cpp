// Per-axis derived terms, computed once per sweep with the same functions the cells use.
#include "plan/sweep_terms.hpp"

#include "scalesweep/math/constrained_regret.hpp"

#include <cmath>

namespace scalesweep {

namespace {
const std::vector<double>* values_of(const sweep_plan& plan, axis_id id) {
  const axis* a = plan.find_axis(id);
  return a ? &a->values : nullptr;
}

template <class Out, class F>
std::vector<Out> map_axis(const sweep_plan& plan, axis_id id, F f) {
  std::vector<Out> out;
  if (const std::vector<double>* values = values_of(plan, id)) {
    out.reserve(values->size());
    for (double v : *values) {
      out.push_back(f(v));
    }
  }
  return out;
}
// The loss-target optima of every (hardware, T, loss target) as the regret grid's cells compare
// them, solved once here: a regret cell then finds no root (SPEC §5.4's pre-pass). Under serving
// constraints they are the constrained optima (the model on the bound where it binds). Also their
// columns for the ratio form (regret_model_columns).
void add_regret_optima(const sweep_plan& plan, sweep_terms& t) {
  const std::vector<double>& T = *values_of(plan, axis_id::T);
  const std::size_t targets = t.loss_targets.size();
  const std::size_t count = t.hardware.size() * T.size() * targets;
  t.regret_optima.reserve(count);
  for (std::vector<double>* column : {&t.regret_N, &t.regret_D, &t.regret_cost, &t.regret_delta,
                                      &t.regret_q, &t.regret_one_minus_q}) {
    column->reserve(count);
  }
  for (std::size_t hw = 0; hw < t.hardware.size(); ++hw) {
    for (std::size_t i = 0; i < T.size(); ++i) {
      const demand d = make_demand(t.hardware[hw], T[i], t.ln_T[i]);
      for (std::size_t l = 0; l < targets; ++l) {
        const loss_target_bound* bound =
            t.loss_target_bounds.empty() ? nullptr : &t.loss_target_bounds[hw * targets + l];
        const regret_optimum o = constrained_regret_optimum(t.law, t.loss_targets[l], d, bound);
        const bool ok = o.status == cell_status::ok;
        t.regret_optima.push_back(o);
        t.regret_N.push_back(ok ? o.N : NAN);
        t.regret_D.push_back(ok ? o.D : NAN);
        t.regret_cost.push_back(ok ? model_cost(o.N, o.D, d.t_eff) : NAN);
        t.regret_delta.push_back(ok ? o.share.delta : NAN);
        t.regret_q.push_back(ok ? o.share.q : NAN);
        t.regret_one_minus_q.push_back(ok ? o.share.one_minus_q : NAN);
      }
    }
  }
}
} // namespace

sweep_terms make_sweep_terms(const sweep_plan& plan) {
  sweep_terms t;
  t.law = prepare_law(plan.config.law.law);
  for (const cost_coefficients& k : plan.hardware_coefficients) {
    t.hardware.push_back(make_hardware_terms(k));
  }
  const scaling_law& law = plan.config.law.law;
  t.ln_T = map_axis<double>(plan, axis_id::T, [](double T) { return demand_log(T); });
  t.parameter_terms =
      map_axis<double>(plan, axis_id::N, [&](double N) { return parameter_term(law, N); });
  t.data_terms = map_axis<double>(plan, axis_id::D, [&](double D) { return data_term(law, D); });
  t.loss_targets = map_axis<loss_target_terms>(
      plan, axis_id::loss_target, [&](double l) { return make_loss_target_terms(t.law, l); });
  t.ln_budget = map_axis<double>(plan, axis_id::budget, [](double b) { return budget_log(b); });
  if (const std::vector<double>* budgets = values_of(plan, axis_id::budget)) {
    for (const hardware_terms& h : t.hardware) {
      for (std::size_t b = 0; b < budgets->size(); ++b) {
        t.budget_chinchilla.push_back(
            budget_chinchilla(t.law, make_budget_terms(h, (*budgets)[b], t.ln_budget[b])));
      }
    }
  }
  // Serving constraints: N_max per scenario, and per (scenario, loss target) the model on the
  // bound with the demand below which it is the optimum.
  t.serving_limits = plan.config.serving_limits;
  for (const serving_limit& limit : t.serving_limits) {
    for (const loss_target_terms& target : t.loss_targets) {
      t.loss_target_bounds.push_back(make_loss_target_bound(t.law, target, limit));
    }
  }
  t.spreads =
      map_axis<spread_terms>(plan, axis_id::spread, [](double s) { return make_spread_terms(s); });
  if (plan.find_axis(axis_id::T_plan) != nullptr) {
    add_regret_optima(plan, t);
  }
  return t;
}

sweep_views host_views(const sweep_plan& plan, const sweep_terms& terms) {
  const auto values = [&](axis_id id) -> const double* {
    const std::vector<double>* v = values_of(plan, id);
    return v ? v->data() : nullptr;
  };
  const auto data = [](const auto& v) { return v.empty() ? nullptr : v.data(); };
  return {terms.law,
          data(terms.hardware),
          values(axis_id::T),
          data(terms.ln_T),
          values(axis_id::N),
          data(terms.parameter_terms),
          values(axis_id::D),
          data(terms.data_terms),
          data(terms.loss_targets),
          values(axis_id::budget),
          data(terms.ln_budget),
          data(terms.budget_chinchilla),
          static_cast<std::int64_t>(terms.ln_budget.size()),
          data(terms.serving_limits),
          data(terms.loss_target_bounds),
          data(terms.spreads),
          data(terms.regret_optima),
          {data(terms.regret_N), data(terms.regret_D), data(terms.regret_cost),
           data(terms.regret_delta), data(terms.regret_q), data(terms.regret_one_minus_q)},
          static_cast<std::int64_t>(terms.ln_T.size()),
          static_cast<std::int64_t>(terms.loss_targets.size())};
}

sample_inputs make_sample_inputs(const sweep_plan& plan) {
  sample_inputs in;
  for (const scaling_law& law : plan.config.law.samples) {
    in.laws.push_back(prepare_law(law));
  }
  if (const axis* q = plan.find_axis(axis_id::quantile)) {
    in.quantiles = q->values;
  }
  if (const axis* l = plan.find_axis(axis_id::loss_target)) {
    in.loss_targets = l->values;
  }
  return in;
}

} // namespace scalesweep
