// The CUDA kernels' division of a tile among blocks and threads (kernels/launch_geometry.hpp),
// replayed on the host thread by thread: every cell of every tile shape is computed exactly
// once, and a whole sweep computed through the replay equals the plain row loop bit for bit.
// This runs without a GPU, so the GPU path's indexing is tested on every CI run.
#include "scalesweep/cells/problem_dispatch.hpp"

#include "backend_harness.hpp"
#include "launch_geometry.hpp"
#include "plan/sweep_terms.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;
using cuda::choose_launch;
using cuda::launch_geometry;
using cuda::thread_cells;
using cuda::thread_cells_at;
using cuda::threads_per_block;

// Calls visit(run) for every run of cells of every thread of every block of the launch, in the
// order a single block-at-a-time GPU would.
template <class Visit>
void replay_launch(const launch_geometry& g, Visit visit) {
  for (std::int64_t block = 0; block < g.blocks; ++block) {
    for (std::int64_t thread = 0; thread < threads_per_block; ++thread) {
      thread_cells run{};
      for (std::int64_t k = 0; thread_cells_at(g, g.blocks, block, thread, k, &run); ++k) {
        visit(run);
      }
    }
  }
}

// How many times the replayed launch computes each cell of the box (by its place in the tile's
// columns, as compute_row stores it).
std::vector<int> visits_per_cell(const launch_geometry& g, const tile_box& box) {
  std::vector<int> visits(static_cast<std::size_t>(cell_count(box)), 0);
  const std::int64_t length = row_length(box);
  replay_launch(g, [&](const thread_cells& run) {
    EXPECT_GE(run.row, 0);
    EXPECT_LT(run.row, row_count(box));
    EXPECT_GE(run.begin, 0);
    EXPECT_LE(run.end, length);
    EXPECT_GT(run.step, 0);
    for (std::int64_t j = run.begin; j < run.end; j += run.step) {
      ++visits[static_cast<std::size_t>(row_start_of<3>(box, run.row).first_out + j)];
    }
  });
  return visits;
}

tile_box box_of(std::int64_t rows_outer, std::int64_t rows_inner, std::int64_t length) {
  return {3, {2, 11, 5}, {rows_outer, rows_inner, length}};
}

// Row lengths around every boundary of the two launch shapes: a thread's worth, a block's worth
// (packed below 256, segments from 256), and a segment's worth for both kinds (512 cells for the
// optima, 4096 for the dense grids).
const std::int64_t row_lengths[] = {1,   2,   3,   7,   51,   85,   128,  129,  255,  256,
                                    257, 511, 512, 513, 1000, 4095, 4096, 4097, 8193, 10007};
// The kernels' grid-stride loops: fewer blocks than work items (a tile beyond max_blocks).
const std::int64_t block_limits[] = {cuda::max_blocks, 1, 2, 7};
const problem_kind kinds[] = {problem_kind::dense_loss,   problem_kind::dense_cost,
                              problem_kind::budget_curve, problem_kind::loss_target,
                              problem_kind::budget,       problem_kind::implied_demand,
                              problem_kind::regret,       problem_kind::robust};

TEST(LaunchGeometry, EveryCellIsComputedExactlyOnce) {
  for (const problem_kind kind : kinds) {
    for (const std::int64_t length : row_lengths) {
      for (const std::int64_t limit : block_limits) {
        for (const tile_box& box : {box_of(1, 1, length), box_of(3, 5, length)}) {
          const launch_geometry g = choose_launch(kind, box, limit);
          ASSERT_GE(g.blocks, 1);
          ASSERT_LE(g.blocks, limit);
          ASSERT_EQ(g.packed, length < threads_per_block);
          const std::vector<int> visits = visits_per_cell(g, box);
          for (std::size_t i = 0; i < visits.size(); ++i) {
            ASSERT_EQ(visits[i], 1)
                << "kind " << static_cast<int>(kind) << ", row length " << length << ", "
                << row_count(box) << " rows, block limit " << limit << ": cell " << i;
          }
        }
      }
    }
  }
}

// Packing short rows is what keeps the optima's few-dozen-point rows from idling most threads.
TEST(LaunchGeometry, ShortRowsArePackedSoFewThreadsIdle) {
  for (const std::int64_t length : {1, 2, 7, 31, 51, 53, 85, 128, 255}) {
    const tile_box box = box_of(8, 64, length);
    const launch_geometry g = choose_launch(problem_kind::loss_target, box);
    ASSERT_TRUE(g.packed);
    const std::int64_t busy = g.rows_per_block * length;
    EXPECT_GT(busy, threads_per_block / 2) << "row length " << length;
    EXPECT_EQ(g.blocks, (row_count(box) + g.rows_per_block - 1) / g.rows_per_block);
  }
}

// gridDim.x is an unsigned 31-bit count: a tile of any size launches at most max_blocks.
TEST(LaunchGeometry, HugeTilesStayWithinTheGridLimit) {
  const tile_box huge{3, {0, 0, 0}, {1 << 20, 1 << 20, 4097}};
  for (const problem_kind kind : kinds) {
    const launch_geometry g = choose_launch(kind, huge);
    EXPECT_EQ(g.blocks, cuda::max_blocks);
    EXPECT_LE(g.blocks, std::int64_t{0x7fffffff});
  }
}

// A host backend that computes each tile as the CUDA kernel does, thread by thread.
class replayed_kernel_backend final : public compute_backend {
public:
  replayed_kernel_backend(const sweep_plan& plan, std::int64_t block_limit)
      : m_terms(make_sweep_terms(plan)), m_views(host_views(plan, m_terms)),
        m_block_limit(block_limit) {}
  std::string kind() const override { return "replayed-cuda"; }
  std::string description() const override { return kind(); }
  void submit(const problem_grid& problem, const tile_box& box, host_tile& out) override {
    with_problem_kind(problem.kind, [&](auto kind) { run<decltype(kind)::value>(box, out); });
  }
  void wait(host_tile& /*out*/) override {}

private:
  template <problem_kind Kind>
  void run(const tile_box& box, host_tile& out) {
    check_tile_rank<Kind>(box);
    const tile_columns columns = out.columns();
    replay_launch(choose_launch(Kind, box, m_block_limit), [&](const thread_cells& r) {
      compute_row<Kind>(m_views, box, r.row, r.begin, r.end, r.step, columns);
    });
  }
  sweep_terms m_terms;
  sweep_views m_views;
  std::int64_t m_block_limit;
};

// The plain row loop over whole rows, the order of operations per cell the replay must match.
class whole_rows_backend final : public compute_backend {
public:
  explicit whole_rows_backend(const sweep_plan& plan)
      : m_terms(make_sweep_terms(plan)), m_views(host_views(plan, m_terms)) {}
  std::string kind() const override { return "whole-rows"; }
  std::string description() const override { return kind(); }
  void submit(const problem_grid& problem, const tile_box& box, host_tile& out) override {
    const tile_columns c = out.columns();
    with_problem_kind(problem.kind, [&](auto kind) {
      for (std::int64_t row = 0; row < row_count(box); ++row) {
        compute_row<decltype(kind)::value>(m_views, box, row, 0, row_length(box), 1, c);
      }
    });
  }
  void wait(host_tile& /*out*/) override {}

private:
  sweep_terms m_terms;
  sweep_views m_views;
};

struct replay_case {
  const char* name;
  std::int64_t tile_cells;
  grid_points points;
  std::int64_t block_limit;
};

// The grids of test_backend_agreement (which runs the real kernels where a GPU is present), plus
// grid-stride loops forced by a small block limit.
const replay_case replay_cases[] = {
    {"short_rows_large_tiles", 4096, {}, cuda::max_blocks},
    {"short_rows_tiny_tiles", 7, {}, cuda::max_blocks},
    {"short_rows_grid_stride", 4096, {}, 3},
    {"long_rows_large_tiles", 1 << 20, grid_points::long_rows(), cuda::max_blocks},
    {"long_rows_tiles_inside_rows", 3000, grid_points::long_rows(), cuda::max_blocks},
    {"long_rows_grid_stride", 3000, grid_points::long_rows(), 2},
};

class ReplayedKernel : public ::testing::TestWithParam<replay_case> {};

TEST_P(ReplayedKernel, EqualsTheWholeRowLoopBitForBit) {
  const replay_case& c = GetParam();
  const sweep_plan plan = plan_with_tiles(c.tile_cells, c.points);
  replayed_kernel_backend replayed(plan, c.block_limit);
  whole_rows_backend whole(plan);
  const auto got = compute_all(plan, replayed);
  const auto want = compute_all(plan, whole);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t v = 0; v < got.size(); ++v) {
    ASSERT_EQ(got[v].size(), want[v].size());
    for (std::size_t i = 0; i < got[v].size(); ++i) {
      ASSERT_TRUE(same_bits(got[v][i], want[v][i]))
          << "variable " << v << " cell " << i << ": " << got[v][i] << " vs " << want[v][i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ReplayedKernel, ::testing::ValuesIn(replay_cases),
                         [](const ::testing::TestParamInfo<replay_case>& info) {
                           return std::string(info.param.name);
                         });

} // namespace
