// scalesweep._engine: the C++ engine inside the Python package (nanobind). Thin: each function
// forwards to the engine API (include/scalesweep/engine.hpp) or to the CLI's commands called in
// process (src/cli/in_process.hpp); python/scalesweep/engine.py gives them their
// keyword arguments, numpy/xarray handling and docstrings.
#include "cli/in_process.hpp"
#include "scalesweep/engine.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include <cstdint>
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <string>
#include <utility>
#include <vector>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// The caller's distinct values of one input (broadcast by the strides it passes beside them).
using input_values = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using f64_column = nb::ndarray<double, nb::c_contig, nb::device::cpu>;
using status_column = nb::ndarray<std::uint8_t, nb::c_contig, nb::device::cpu>;

scalesweep::cell_problem problem_of(const std::string& name) {
  if (name == "loss_target") {
    return scalesweep::cell_problem::loss_target;
  }
  if (name == "budget") {
    return scalesweep::cell_problem::budget;
  }
  throw scalesweep::input_error("no cell problem '" + name + "' (loss_target or budget)");
}

std::int64_t cell_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const std::int64_t s : shape) {
    n *= s;
  }
  return n;
}

// A message with its hint on a second line, as the CLI prints them.
std::string message_of(const scalesweep::error& e) {
  return e.hint().empty() ? std::string(e.what()) : std::string(e.what()) + "\nhint: " + e.hint();
}

nb::tuple optimum(const std::vector<std::string>& args) {
  scalesweep::command_output out;
  {
    nb::gil_scoped_release unlocked;
    out = scalesweep::optimum_json(args);
  }
  return nb::make_tuple(out.json, out.warnings);
}

void solve(const std::string& problem, const scalesweep::cell_economics& economics,
           const std::vector<std::int64_t>& shape, const input_values& target,
           const std::vector<std::int64_t>& target_strides, const input_values& T,
           const std::vector<std::int64_t>& T_strides, const std::vector<f64_column>& columns,
           const status_column& status, int threads) {
  const std::int64_t cells = cell_count(shape);
  scalesweep::solve_output out;
  for (const f64_column& c : columns) {
    if (static_cast<std::int64_t>(c.size()) != cells) {
      throw scalesweep::input_error("an output column has " + std::to_string(c.size()) +
                                    " cells, not " + std::to_string(cells));
    }
    out.columns.push_back(c.data());
  }
  if (static_cast<std::int64_t>(status.size()) != cells) {
    throw scalesweep::input_error("the status column has " + std::to_string(status.size()) +
                                  " cells, not " + std::to_string(cells));
  }
  out.status = status.data();
  const scalesweep::broadcast_array target_array{
      target.data(), static_cast<std::int64_t>(target.size()), target_strides};
  const scalesweep::broadcast_array T_array{T.data(), static_cast<std::int64_t>(T.size()),
                                            T_strides};
  nb::gil_scoped_release unlocked;
  scalesweep::solve_cells(problem_of(problem), economics, shape, target_array, T_array, out,
                          threads);
}

// The summary of a run as a dict with the names of `run --json`.
nb::dict summary_of(const scalesweep::sweep_result& r) {
  const std::vector<std::string> names = scalesweep::cell_status_names();
  nb::dict statuses;
  for (const scalesweep::problem_statuses& p : r.problems) {
    if (p.variable.empty()) {
      continue;
    }
    nb::dict counts;
    for (std::size_t k = 0; k < p.per_status.size() && k < names.size(); ++k) {
      counts[names[k].c_str()] = p.per_status[k];
    }
    statuses[p.variable.c_str()] = counts;
  }
  nb::dict d;
  d["output"] = r.output;
  d["backend"] = r.backend;
  d["cells"] = r.cells;
  d["seconds"] = r.seconds;
  d["cells_per_second"] = r.seconds > 0 ? static_cast<double>(r.cells) / r.seconds : 0.0;
  d["bytes_written"] = r.bytes_written;
  d["statuses"] = statuses;
  return d;
}

// Runs a config (a file, or TOML text named `source_name` in messages); returns the summary and
// the config's warnings.
nb::tuple run(const std::string& config, bool is_text, const std::string& source_name,
              const scalesweep::sweep_run_options& options) {
  const scalesweep::sweep s = is_text ? scalesweep::sweep::from_text(config, source_name)
                                      : scalesweep::sweep::from_file(config);
  scalesweep::sweep_result r;
  {
    nb::gil_scoped_release unlocked;
    r = s.run(options);
  }
  return nb::make_tuple(summary_of(r), s.warnings());
}

} // namespace

NB_MODULE(_engine, m) {
  m.doc() = "The scalesweep engine (C++); use the functions of the scalesweep package.";
  m.attr("version") = scalesweep::scalesweep_version;
  m.attr("git_revision") = scalesweep::scalesweep_git_revision;

  // input_error (a bad request) reads as ValueError, other engine errors as RuntimeError.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const scalesweep::input_error& e) {
      PyErr_SetString(PyExc_ValueError, message_of(e).c_str());
    } catch (const scalesweep::error& e) {
      PyErr_SetString(PyExc_RuntimeError, message_of(e).c_str());
    }
  });

  nb::class_<scalesweep::cell_economics>(m, "Economics",
                                         "The law and costs cells are solved under.")
      .def_prop_ro("law",
                   [](const scalesweep::cell_economics& e) {
                     return nb::make_tuple(e.law.E, e.law.A, e.law.B, e.law.alpha, e.law.beta);
                   })
      .def_prop_ro("cost_per_train_flop",
                   [](const scalesweep::cell_economics& e) { return e.k.train; })
      .def_prop_ro("cost_per_inference_flop",
                   [](const scalesweep::cell_economics& e) { return e.k.inference; });

  nb::class_<scalesweep::sweep_run_options>(m, "RunOptions")
      .def(nb::init<>())
      .def_rw("backend", &scalesweep::sweep_run_options::backend)
      .def_rw("threads", &scalesweep::sweep_run_options::threads)
      .def_rw("output", &scalesweep::sweep_run_options::output)
      .def_rw("overwrite", &scalesweep::sweep_run_options::overwrite)
      .def_rw("resume", &scalesweep::sweep_run_options::resume)
      .def_rw("progress", &scalesweep::sweep_run_options::progress);

  m.def("optimum", &optimum, "args"_a,
        "(json, warnings) of `scalesweep optimum ARGS --json`, computed in process.");
  m.def("economics", &scalesweep::economics_from_optimum_flags, "args"_a,
        "The law and costs that optimum's law, objective and hardware flags describe.");
  m.def(
      "solve_columns",
      [](const std::string& problem) { return scalesweep::solve_columns(problem_of(problem)); },
      "problem"_a, "The output columns of solve, in order; the last is the status.");
  m.def("solve", &solve, "problem"_a, "economics"_a, "shape"_a, "target"_a, "target_strides"_a,
        "T"_a, "T_strides"_a, "columns"_a, "status"_a, "threads"_a,
        "Optima of broadcast cells into the given columns (engine.hpp's solve_cells).");
  m.def("run", &run, "config"_a, "is_text"_a, "source_name"_a, "options"_a,
        "Runs a sweep config into its result file: (summary, warnings).");
  m.def("status_names", &scalesweep::cell_status_names, "The status codes' names, by code.");
}
