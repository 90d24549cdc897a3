// Kernel benchmark: cells/s of each problem's kernel per backend, without file I/O
// (docs/benchmarks.md). On CUDA, --keep-on-device times the kernels alone (as array libraries
// are timed); without it each tile is also copied back to the host. Tiles are submitted as a run
// submits them, two in flight, so the GPU never idles while the host waits for a tile. With
// --samples the optima are solved once per law sample and reduced to quantiles per cell (SPEC
// §5.5): the rate is then optimum solves per second, the reduction included.
#include "scalesweep/error.hpp"

#include "app/law_samples_source.hpp"
#include "backends/backend.hpp"
#include "backends/cuda/cuda_backend.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

namespace {

using namespace scalesweep;

// A synthetic sweep for one problem with about `cells` cells: the axes a realistic sweep has.
// row_points > 0 fixes the optima's innermost axis (loss target, budget) at that many points,
// as in the shipped configs (51-81): T takes the rest of the cells.
// "<optimum>_usd": that optimum in dollars on the sardana2024-default scenario (H100s, fp8
// serving); "<optimum>_constrained": the same with its weights fitted in one H100 (N_max = 6.4e10),
// the constrained problems of [constraints].
std::string config_for(const std::string& name, std::int64_t cells, std::int64_t row_points,
                       const std::string& samples) {
  const auto ends_with = [&](const std::string& suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const bool constrained = ends_with("_constrained");
  const bool usd = constrained || ends_with("_usd");
  const std::string problem = usd ? name.substr(0, name.rfind('_')) : name;
  std::string axes;
  const auto side = [](std::int64_t n, int dims) {
    return std::to_string(
        std::max<std::int64_t>(2, static_cast<std::int64_t>(std::pow(n, 1.0 / dims))));
  };
  const std::string row = row_points > 0 ? std::to_string(row_points) : side(cells, 2);
  const std::string T = row_points > 0
                            ? std::to_string(std::max<std::int64_t>(2, cells / row_points))
                            : side(cells, 2);
  if (problem == "loss_target") {
    axes = "T = { log10 = [6, 16], points = " + T +
           " }\nloss_target = { linear = [1.8, 3.0], points = " + row + " }\n";
  } else if (problem == "budget") {
    axes = "T = { log10 = [6, 16], points = " + T +
           " }\nbudget = { log10 = " + (usd ? "[4, 11]" : "[20, 27]") + ", points = " + row +
           " }\n";
  } else if (problem == "robust") {
    // Four spreads, as a planner would compare a few; T and the loss targets take the rest.
    const std::string quarter_T =
        row_points > 0 ? std::to_string(std::max<std::int64_t>(2, cells / 4 / row_points))
                       : side(cells / 4, 2);
    axes = "T = { log10 = [6, 16], points = " + quarter_T +
           " }\nloss_target = { linear = [1.8, 3.0], points = " +
           (row_points > 0 ? row : side(cells / 4, 2)) +
           " }\nspread = { values = [2, 10, 100, 1000] }\n";
  } else if (problem == "regret") {
    // T x T_plan x loss targets, a cube.
    axes = "T = { log10 = [6, 16], points = " + side(cells, 3) +
           " }\nloss_target = { linear = [1.8, 3.0], points = " + side(cells, 3) + " }\n";
  } else if (problem == "dense_loss" || problem == "implied_T") {
    axes = "N = { log10 = [7, 13], points = " + side(cells, 2) +
           " }\nD = { log10 = [8, 15], points = " + side(cells, 2) + " }\n";
  } else { // dense_cost
    axes = "T = { values = [0, 1e9, 1e12, 1e15] }\nN = { log10 = [7, 13], points = " +
           side(cells / 4, 2) + " }\nD = { log10 = [8, 15], points = " + side(cells / 4, 2) +
           " }\n";
  }
  const std::string dense = problem == "dense_loss"   ? "[\"loss\"]"
                            : problem == "dense_cost" ? "[\"cost\"]"
                            : problem == "implied_T"  ? "[\"implied_T\"]"
                            : problem == "regret"     ? "[\"regret\"]"
                                                      : "[]";
  const std::string law_samples = samples.empty() ? "" : "samples = \"" + samples + "\"\n";
  const std::string serving =
      std::string(usd ? "[objective]\nkind = \"usd\"\n[[hardware]]\nname = \"h100\"\n"
                        "preset = \"sardana2024-default\"\n"
                      : "") +
      (constrained ? "[constraints]\nmemory = true\n" : "");
  return "[law]\npreset = \"sardana2024\"\n" + law_samples + serving + "[axes]\n" + axes +
         "[output]\ndense = " + dense + "\n";
}

} // namespace

int bench_main(int argc, char** argv) {
  CLI::App app{"scalesweep kernel benchmark: cells/s per problem and backend, no I/O"};
  std::string backend_name = "cpu";
  std::vector<std::string> problems = {"loss_target", "budget", "dense_loss", "dense_cost",
                                       "implied_T",   "regret", "robust"};
  std::int64_t cells = 4'000'000, tile_cells = 0;
  std::int64_t row_points = 0;
  int threads = 0, repeats = 3;
  bool keep_on_device = false;
  std::string samples;
  app.add_option("--backend", backend_name, "Backend to time")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  app.add_option("--problem", problems,
                 "Problems to time (default: the first seven; on request the optima in dollars, "
                 "*_usd, and under a memory bound, *_constrained)")
      ->check(CLI::IsMember({"loss_target", "budget", "dense_loss", "dense_cost", "implied_T",
                             "regret", "robust", "loss_target_usd", "budget_usd",
                             "loss_target_constrained", "budget_constrained"}));
  app.add_option("--cells", cells, "Cells per problem (about; a square grid)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  app.add_option(
         "--tile-cells", tile_cells,
         "Most cells per tile (default: as `scalesweep run`, 2^22 on the CPU, 2^24 on CUDA)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app.add_option("--threads", threads, "CPU threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--repeats", repeats, "Timed repeats; the best is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--row-points", row_points,
                 "Points of the optima's innermost axis (default: a square grid)");
  app.add_option("--samples", samples,
                 "Law samples (a `fit -o` file or preset): time the optima's quantiles over them; "
                 "--cells then counts optimum solves (cells x samples)");
  app.add_flag("--keep-on-device", keep_on_device,
               "CUDA: time the kernels alone, results left on the device");
  CLI11_PARSE(app, argc, argv);

  if (tile_cells == 0) {
    tile_cells = backend_name == "cuda" ? default_max_gpu_tile_cells : default_max_cpu_tile_cells;
  }
  // Printed at the end: a failure leaves stdout empty rather than half a JSON object.
  std::string json = "{\"backend\": \"" + backend_name + "\", \"results\": [";
  bool first = true;
  for (const std::string& problem : problems) {
    sweep_config config =
        parse_config(config_for(problem, cells, row_points, samples), problem + ".toml");
    app::read_law_samples_into(config);
    const auto S = static_cast<std::int64_t>(config.law.samples.size());
    if (S > 0) { // the same solves as a plain run of `cells` cells: cells / S cells
      config = parse_config(
          config_for(problem, std::max<std::int64_t>(4, cells / S), row_points, samples),
          problem + ".toml");
      app::read_law_samples_into(config);
    }
    sweep_plan plan = make_plan(std::move(config));
    for (problem_grid& p : plan.problems) {
      p.tile_shape = chunk_aligned_tile_shape(p.shape, p.chunk_shape, tile_cells);
    }
    const auto backend = backend_name == "cuda" ? make_cuda_backend(plan, {0, keep_on_device})
                                                : make_cpu_backend(plan, threads);
    // The problem timed: a regret or robust sweep also solves the loss-target optima of its axes
    // (under samples the regret grid and the robust choice are their quantile problems).
    const auto timed =
        std::find_if(plan.problems.begin(), plan.problems.end(), [&](const problem_grid& g) {
          const auto is = [&g](problem_kind kind) {
            return g.kind == kind ||
                   (has_sample_axis(g.kind) && optimum_per_sample(g.kind) == kind);
          };
          return problem == "regret"   ? is(problem_kind::regret)
                 : problem == "robust" ? is(problem_kind::robust)
                                       : true;
        });
    if (timed == plan.problems.end()) {
      throw error("the plan of problem '" + problem + "' has no such grid");
    }
    const problem_grid& p = *timed;
    // Pinned for CUDA, as in a run; two, so tile t+1 is queued while tile t computes (submit
    // first waits for the tile submitted two before, which used the same host tile).
    std::array<host_tile, 2> tiles{host_tile(p, backend->host_memory()),
                                   host_tile(p, backend->host_memory())};
    double best = 0;
    double best_per_cpu_s = 0; // per second of the process's CPU time: the fair rate on a shared
                               // machine, where wall time also counts other programs' turns
    for (int r = 0; r < repeats; ++r) {
      const std::clock_t cpu_start = std::clock();
      const auto start = std::chrono::steady_clock::now();
      for (std::int64_t t = 0; t < p.tile_count(); ++t) {
        backend->submit(p, p.tile(t), tiles[static_cast<std::size_t>(t % 2)]);
      }
      for (host_tile& tile : tiles) {
        backend->wait(tile);
      }
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, static_cast<double>(p.cells()) / s);
      const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      best_per_cpu_s = std::max(best_per_cpu_s, static_cast<double>(p.cells()) / cpu_s);
    }
    // Under samples: optimum solves per second (each cell of the quantile grid is one level of a
    // cell whose S samples were solved once for every level).
    const double levels = S > 0 ? static_cast<double>(p.shape.front()) : 1.0;
    const double solves_per_cell = static_cast<double>(std::max<std::int64_t>(1, S)) / levels;
    const double solves_per_s = best * solves_per_cell;
    char row[640];
    std::snprintf(
        row, sizeof row,
        "%s\n  {\"problem\": \"%s\", \"cells\": %lld, \"cells_per_s\": %.4g, \"backend\": \"%s\", "
        "\"tile_cells\": %lld, \"keep_on_device\": %s, \"samples\": %lld, \"solves_per_s\": %.4g, "
        "\"solves_per_cpu_s\": %.4g}",
        first ? "" : ",", problem.c_str(), static_cast<long long>(p.cells()), best,
        backend->description().c_str(), static_cast<long long>(cell_count(p.tile(0))),
        keep_on_device ? "true" : "false", static_cast<long long>(S), solves_per_s,
        best_per_cpu_s * solves_per_cell);
    json += row;
    first = false;
  }
  std::printf("%s\n]}\n", json.c_str());
  return 0;
}

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
