// The problems a sweep can solve and their output variables: names, units and long names as result
// files carry them (SPEC §4), in the column order of cells/problem_kind.hpp.
//
// Why here and not in output/schema.hpp, which owns every other name of the file: the plan lists
// each problem's outputs (sizes, types, chunking) before any file exists, and plan sits below
// output in the layer order. So the table lives at the lowest layer that needs it, and
// output/schema.hpp presents it to the file's readers beside the names it owns.
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sweep_views.hpp"

#include <cstddef>
#include <string_view>

namespace scalesweep {

enum class value_type { f64, u8 };

struct variable_name {
  std::string_view column;    // the column in *_columns ("N", "cost"; "status"): the Python
                              // package finds variables by problem and column (result_schema.json)
  std::string_view name;      // the dataset
  std::string_view units;     // CF units; empty: the objective's (cost_cf_units)
  std::string_view long_name; // CF long_name
  value_type type = value_type::f64;
  // The variable has its problem's dimensions but the first (a quantile problem's feasible
  // fraction: one per cell, not per level); written from the first level's cells of each tile.
  bool without_first_dim = false;
};

// A constant array seen as a range (C++17 has no std::span).
template <class T>
struct table_view {
  const T* first;
  std::size_t size;

  template <std::size_t N>
  constexpr table_view(const T (&array)[N]) : first(array), size(N) {} // NOLINT: implicit
  constexpr const T* begin() const { return first; }
  constexpr const T* end() const { return first + size; }
  constexpr const T& operator[](std::size_t i) const { return first[i]; }
};

// Units are CF units checked by UDUNITS-2: counts (parameters, tokens, tokens per parameter)
// and losses (nats per token, a dimensionless log-likelihood) are "1"; costs take the
// objective's (cost_cf_units). Long names say what is counted, never the unit; CF defines no
// standard_name for any of these quantities, so none is written.
inline constexpr variable_name dense_loss_variables[] = {
    {"loss", "loss", "1", "predicted pre-training loss L(N, D)"}};

inline constexpr variable_name dense_cost_variables[] = {
    {"cost", "cost", "", "lifetime cost: training + inference"}};

inline constexpr variable_name budget_curve_variables[budget_curve_columns::count] = {
    {"loss", "budget_curve_loss", "1", "loss of an N-parameter model spending the whole budget"},
    {"D", "budget_curve_D", "1", "training tokens the budget leaves after serving T"}};

// The optima: one variable per column, then the status.
inline constexpr variable_name loss_target_variables[loss_target_columns::count + 1] = {
    {"N", "opt_N", "1", "cost-optimal parameters at the loss target"},
    {"D", "opt_D", "1", "cost-optimal training tokens at the loss target"},
    {"tokens_per_param", "opt_tokens_per_param", "1",
     "training tokens per parameter of the optimum"},
    {"cost", "opt_cost", "", "lifetime cost of the optimum"},
    {"train_cost", "opt_train_cost", "", "training cost of the optimum"},
    {"serve_cost", "opt_serve_cost", "", "cost of the optimum serving T inference tokens"},
    {"chinchilla_N", "chinchilla_N", "1",
     "Chinchilla (T = 0) optimal parameters at the loss target"},
    {"chinchilla_D", "chinchilla_D", "1",
     "Chinchilla (T = 0) optimal training tokens at the loss target"},
    {"chinchilla_tokens_per_param", "chinchilla_tokens_per_param", "1",
     "training tokens per parameter of the Chinchilla model"},
    {"chinchilla_cost", "chinchilla_cost", "",
     "lifetime cost of the Chinchilla model with the same T"},
    {"chinchilla_train_cost", "chinchilla_train_cost", "", "training cost of the Chinchilla model"},
    {"chinchilla_serve_cost", "chinchilla_serve_cost", "",
     "cost of the Chinchilla model serving T inference tokens"},
    {"status", "opt_status", "1", "status of the loss-target optimum", value_type::u8}};

inline constexpr variable_name budget_variables[budget_columns::count + 1] = {
    {"N", "budget_N", "1", "loss-optimal parameters within the budget"},
    {"D", "budget_D", "1", "loss-optimal training tokens within the budget"},
    {"tokens_per_param", "budget_tokens_per_param", "1",
     "training tokens per parameter of the budget optimum"},
    {"loss", "budget_loss", "1", "lowest loss within the budget"},
    {"train_cost", "budget_train_cost", "", "training cost of the budget optimum"},
    {"serve_cost", "budget_serve_cost", "",
     "cost of the budget optimum serving T inference tokens"},
    {"chinchilla_N", "budget_chinchilla_N", "1",
     "Chinchilla optimum spending the whole budget on training"},
    {"chinchilla_D", "budget_chinchilla_D", "1",
     "training tokens of the Chinchilla budget optimum"},
    {"chinchilla_tokens_per_param", "budget_chinchilla_tokens_per_param", "1",
     "training tokens per parameter of the Chinchilla budget optimum"},
    {"chinchilla_loss", "budget_chinchilla_loss", "1", "loss of the Chinchilla budget optimum"},
    {"chinchilla_train_cost", "budget_chinchilla_train_cost", "",
     "training cost of the Chinchilla budget optimum (the whole budget)"},
    {"chinchilla_serve_cost", "budget_chinchilla_serve_cost", "",
     "cost of the Chinchilla budget optimum serving T inference tokens (beyond the budget)"},
    {"status", "budget_status", "1", "status of the budget optimum", value_type::u8}};

inline constexpr variable_name implied_demand_variables[implied_demand_columns::count + 1] = {
    {"T", "implied_T", "1",
     "lifetime inference tokens for which (N, D) is the cost-optimal model of its own loss"},
    {"status", "implied_status", "1", "status of the implied demand", value_type::u8}};
// Under law uncertainty (SPEC §5.5): quantiles over the samples with an optimum.
inline constexpr variable_name
    loss_target_quantiles_variables[loss_target_quantiles_columns::count] = {
        {"N", "opt_N_quantile", "1",
         "quantile of the cost-optimal parameters over the law samples"},
        {"D", "opt_D_quantile", "1",
         "quantile of the cost-optimal training tokens over the law samples"},
        {"cost", "opt_cost_quantile", "",
         "quantile of the optimum's lifetime cost over the law samples"},
        {"saving", "opt_saving_quantile", "1",
         "quantile over the law samples of the saving against the Chinchilla model: "
         "1 - opt_cost / chinchilla_cost"},
        {"N_ratio", "opt_N_ratio_quantile", "1",
         "quantile over the law samples of the optimum's parameters over the Chinchilla model's: "
         "opt_N / chinchilla_N"},
        {"feasible_fraction", "opt_feasible_fraction", "1",
         "share of the law samples with a loss-target optimum (status ok or constrained)",
         value_type::f64, true}};

inline constexpr variable_name budget_quantiles_variables[budget_quantiles_columns::count] = {
    {"N", "budget_N_quantile", "1",
     "quantile of the loss-optimal parameters within the budget over the law samples"},
    {"D", "budget_D_quantile", "1",
     "quantile of the loss-optimal training tokens within the budget over the law samples"},
    {"loss", "budget_loss_quantile", "1",
     "quantile of the lowest loss within the budget over the law samples"},
    {"feasible_fraction", "budget_feasible_fraction", "1",
     "share of the law samples with a budget optimum (status ok or constrained)", value_type::f64,
     true}};

inline constexpr variable_name regret_variables[regret_columns::count + 1] = {
    {"regret", "regret", "1",
     "extra lifetime cost, relative to the optimum, of the model planned for T_plan serving T"},
    {"status", "regret_status", "1", "status of the regret", value_type::u8}};

inline constexpr variable_name robust_variables[robust_columns::count + 1] = {
    {"N", "robust_N", "1",
     "parameters of the model of least largest regret over demands from T/spread to T*spread"},
    {"D", "robust_D", "1", "training tokens of that robust model"},
    {"regret", "robust_regret", "1", "largest regret of the robust model over those demands"},
    {"status", "robust_status", "1", "status of the robust model", value_type::u8}};

// The robust choice under law uncertainty: each sample's robust model (its references, the
// optima at T/s and T s, under that sample's law) reduced as the optima are.
inline constexpr variable_name robust_quantiles_variables[robust_quantiles_columns::count] = {
    {"N", "robust_N_quantile", "1",
     "quantile of the robust model's parameters over the law samples"},
    {"D", "robust_D_quantile", "1",
     "quantile of the robust model's training tokens over the law samples"},
    {"regret", "robust_regret_quantile", "1",
     "quantile of the robust model's largest regret over the law samples"},
    {"feasible_fraction", "robust_feasible_fraction", "1",
     "share of the law samples with a robust model (status ok or constrained)", value_type::f64,
     true}};

// The regret grid under law uncertainty: each sample's regret (both models, the optima at T_plan
// and at T, solved under that sample's law) reduced as the optima are.
inline constexpr variable_name regret_quantiles_variables[regret_quantiles_columns::count] = {
    {"regret", "regret_quantile", "1",
     "quantile over the law samples of the extra lifetime cost of the model planned for T_plan "
     "serving T"},
    {"feasible_fraction", "regret_feasible_fraction", "1",
     "share of the law samples with a regret (status ok or constrained)", value_type::f64, true}};

// A problem as the plan offers it. A dense grid is written when output.dense names it (by
// `dense_key`), or, without output.dense, whenever the config declares its axes (the grids of
// output_spec's default list: implied_T and regret only when named); an optimum
// problem whenever the config declares its last axis (its target: loss_target or budget), the
// robust choice whenever it declares axes.spread.
struct problem_description {
  problem_kind kind;
  std::string_view key;       // the problem_kind's name: "dense_loss", ..., "budget"
  std::string_view name;      // for progress lines and messages: "loss-target optima"
  std::string_view dense_key; // output.dense's name for a dense grid ("loss"); empty for optima
  table_view<axis_id> axes;   // dimensions, outermost first (problem_kind.hpp)
  table_view<variable_name> variables;
};

// In the order of the file's variables.
inline constexpr problem_description problem_descriptions[] = {
    {problem_kind::dense_loss, "dense_loss", "dense loss", "loss", dense_loss_axes,
     dense_loss_variables},
    {problem_kind::dense_cost, "dense_cost", "dense cost", "cost", dense_cost_axes,
     dense_cost_variables},
    {problem_kind::budget_curve, "budget_curve", "budget curves", "budget_curve", budget_curve_axes,
     budget_curve_variables},
    {problem_kind::loss_target, "loss_target", "loss-target optima", "", loss_target_axes,
     loss_target_variables},
    {problem_kind::budget, "budget", "budget optima", "", budget_axes, budget_variables},
    {problem_kind::implied_demand, "implied_demand", "implied demands", "implied_T",
     implied_demand_axes, implied_demand_variables},
    {problem_kind::loss_target_quantiles, "loss_target_quantiles", "loss-target optima's quantiles",
     "", loss_target_quantiles_axes, loss_target_quantiles_variables},
    {problem_kind::budget_quantiles, "budget_quantiles", "budget optima's quantiles", "",
     budget_quantiles_axes, budget_quantiles_variables},
    // keep_samples: the optima of every sample, under the plain problems' names.
    {problem_kind::loss_target_samples, "loss_target_samples", "loss-target optima per sample", "",
     loss_target_samples_axes, loss_target_variables},
    {problem_kind::budget_samples, "budget_samples", "budget optima per sample", "",
     budget_samples_axes, budget_variables},
    {problem_kind::regret, "regret", "dense regret", "regret", regret_axes, regret_variables},
    {problem_kind::robust, "robust", "robust models", "", robust_axes, robust_variables},
    {problem_kind::robust_quantiles, "robust_quantiles", "robust models' quantiles", "",
     robust_quantiles_axes, robust_quantiles_variables},
    {problem_kind::robust_samples, "robust_samples", "robust models per sample", "",
     robust_samples_axes, robust_variables},
    // The regret grid under law samples: output.dense's "regret" asks for it as for the plain grid.
    {problem_kind::regret_quantiles, "regret_quantiles", "dense regret's quantiles", "regret",
     regret_quantiles_axes, regret_quantiles_variables},
    {problem_kind::regret_samples, "regret_samples", "dense regret per sample", "regret",
     regret_samples_axes, regret_variables},
};

// Each problem names every variable of its columns (an array sized by *_columns::count would
// otherwise take a forgotten row as an empty name).
constexpr bool every_variable_named() {
  for (const problem_description& p : problem_descriptions) {
    for (const variable_name& v : p.variables) {
      if (v.name.empty() || v.column.empty()) {
        return false;
      }
    }
  }
  return true;
}
static_assert(every_variable_named(), "a problem's variable table has a row without a name");

// Each problem's numbers fit the columns a tile carries.
constexpr bool columns_fit_tiles() {
  for (const problem_description& p : problem_descriptions) {
    if (p.variables.size > static_cast<std::size_t>(max_f64_columns) + 1) {
      return false;
    }
  }
  return true;
}
static_assert(columns_fit_tiles(), "a problem has more columns than tile_columns holds");

} // namespace scalesweep
