// engine.hpp's solve_cells: the caller's arrays of optimum cells, on the CPU backend's cell
// functions (backends/cpu/cell_arrays.hpp), into the caller's columns.
#include "scalesweep/engine.hpp"
#include "scalesweep/error.hpp"

#include "backends/cpu/cell_arrays.hpp"
#include "plan/variables.hpp"

#include <cmath>
#include <string>

namespace scalesweep {

namespace {

table_view<variable_name> variables_of(cell_problem problem) {
  return problem == cell_problem::loss_target ? table_view<variable_name>(loss_target_variables)
                                              : table_view<variable_name>(budget_variables);
}

} // namespace

std::vector<std::string> solve_columns(cell_problem problem) {
  std::vector<std::string> names;
  for (const variable_name& v : variables_of(problem)) {
    names.emplace_back(v.column);
  }
  return names;
}

void solve_cells(cell_problem problem, const cell_economics& economics,
                 const std::vector<std::int64_t>& shape, const broadcast_array& target,
                 const broadcast_array& T, const solve_output& out, int threads) {
  const std::size_t columns = variables_of(problem).size - 1; // all but the status
  if (out.columns.size() != columns || out.status == nullptr) {
    throw input_error("solve_cells: " + std::to_string(columns) +
                      " output columns and a status array are needed, got " +
                      std::to_string(out.columns.size()) +
                      (out.status == nullptr ? " and no status" : ""));
  }
  if (!is_valid(economics.law)) {
    throw input_error("solve_cells: the law's constants are not valid (E >= 0; A, B, alpha, beta "
                      "> 0; all finite)");
  }
  tile_columns tile{};
  for (std::size_t c = 0; c < columns; ++c) {
    tile.f64[c] = out.columns[c];
  }
  tile.status = out.status;
  const prepared_law law = prepare_law(economics.law);
  const hardware_terms hardware = make_hardware_terms(economics.k);
  // Without a bound the unconstrained problems, exactly as before.
  const serving_limit* limit = economics.limit.N_max < HUGE_VAL ? &economics.limit : nullptr;
  if (problem == cell_problem::loss_target) {
    loss_target_cell_arrays(law, hardware, limit, shape, target, T, tile, threads);
  } else {
    budget_cell_arrays(law, hardware, limit, shape, target, T, tile, threads);
  }
}

} // namespace scalesweep
