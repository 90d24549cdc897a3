// The host API of scalesweep: load a sweep config, run it into a result file, read the summary
// (what `scalesweep run` does for one process); and solve arrays of optimum cells in memory. For
// programs (and the Python package) that want no command line; MPI runs and shards go through the
// CLI. Errors are thrown as scalesweep::error (error.hpp): input_error for a bad config or
// request, the others for failures of the system.
#pragma once

#include "scalesweep/broadcast_array.hpp"
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scalesweep {

struct sweep_run_options {
  std::string backend = "auto"; // "auto" (CUDA when a device is present), "cpu" or "cuda"
  int threads = 0;              // CPU threads; 0: all cores
  std::string output;           // result file; empty: the config's [output] path
  bool overwrite = false;       // replace an existing result file (default: refuse)
  bool resume = false;          // continue the interrupted run saved next to `output`
  bool progress = false;        // progress lines on stderr
};

// Cells of one problem computed by a run, per status code (cell_status_names() order).
struct problem_statuses {
  std::string problem;                  // "loss-target optima"
  std::string variable;                 // its status variable; empty for the dense grids
  std::vector<std::int64_t> per_status; // empty for the dense grids
};

struct sweep_result {
  std::string output;  // the result file written
  std::string backend; // "cpu (4 OpenMP threads)"
  std::int64_t cells = 0;
  double seconds = 0;
  std::int64_t bytes_written = 0;
  std::vector<problem_statuses> problems; // in the plan's order
};

// A validated sweep: its config and the plan made from it.
class sweep {
public:
  static sweep from_file(const std::string& path);
  // `source_name` names the config in messages.
  static sweep from_text(const std::string& toml, const std::string& source_name = "config.toml");
  sweep(sweep&& other) noexcept;
  sweep& operator=(sweep&& other) noexcept;
  sweep(const sweep&) = delete;
  sweep& operator=(const sweep&) = delete;
  ~sweep();

  std::string title() const;
  std::int64_t cells() const;
  std::vector<std::string> problems() const;
  // What the config accepts but probably does not mean (the CLI prints them as warnings).
  std::vector<std::string> warnings() const;

  // Computes every cell into the result file, as `scalesweep run` with these options would.
  sweep_result run(const sweep_run_options& options = {}) const;

private:
  struct state;
  explicit sweep(std::unique_ptr<state> s);
  std::unique_ptr<state> m_state;
};

// The status codes' names, by code ("ok", "infeasible", ...).
std::vector<std::string> cell_status_names();

// --- Arrays of optimum cells, solved in memory -------------------------------------------------

// The law and costs that cells are solved under: what `optimum`'s law, objective and hardware
// flags describe (src/cli/in_process.hpp's economics_from_optimum_flags resolves them).
struct cell_economics {
  scaling_law law;
  cost_coefficients k; // cost per training FLOP and per inference FLOP
  // The serving constraints' N_max (SPEC §5.2): the cells are the constrained problems (status
  // constrained where the bound binds); no_serving_limit(), the default: unconstrained.
  serving_limit limit = no_serving_limit();
};

enum class cell_problem { loss_target, budget };

// The outputs of a problem's cells, in the order solve_cells fills them: the optimum's columns as
// the result file's variables name their columns ("N", "D", "cost", "chinchilla_N", ...), then
// "status" (uint8 codes, cell_status_names()).
std::vector<std::string> solve_columns(cell_problem problem);

// Where solve_cells writes: one array of doubles per column but the status, and the status array,
// each holding the cells in row-major order of the shape.
struct solve_output {
  std::vector<double*> columns;
  std::uint8_t* status = nullptr;
};

// Optima of the cells of `shape`: each cell's target (a loss target, or a budget in the
// objective's unit) and its inference demand T (tokens) read from broadcast arrays. Solved on the
// CPU with the per-cell functions and SIMD lanes of `run`'s CPU backend, so every cell equals what
// `run` writes for the same law, costs, target and T. A cell with a NaN, negative or otherwise
// invalid input gets status invalid_input. threads <= 0: all cores.
void solve_cells(cell_problem problem, const cell_economics& economics,
                 const std::vector<std::int64_t>& shape, const broadcast_array& target,
                 const broadcast_array& T, const solve_output& out, int threads = 0);

} // namespace scalesweep
