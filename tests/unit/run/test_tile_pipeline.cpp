// The tile pipeline with a fake backend and a fake sink on the serial communicator: tiles reach
// the sink in order with their own values, no more host tiles are in flight than the pool holds,
// an interrupt stops the run after the round it arrived in with a checkpoint, and an error on the
// writer thread is rethrown on the compute thread.
#include "scalesweep/error.hpp"

#include "backends/backend.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"
#include "run/interrupt.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"
#include "run/result_sink.hpp"
#include "run/tile_pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace {

using namespace scalesweep;

// Dense loss and cost grids and loss-target optima (with a status column), cut into one-chunk
// tiles so that each problem takes many rounds.
sweep_plan small_plan() {
  sweep_plan plan = make_plan(parse_config(R"(
[law]
preset = "sardana2024"
[objective]
kind = "flops"
[axes]
N = { log10 = [8, 12], points = 23 }
D = { log10 = [10, 14], points = 19 }
T = { values = [0, 1e9, 1e12] }
loss_target = { linear = [1.9, 2.6], points = 17 }
[output]
chunk_cells = 40
)",
                                           "pipeline.toml"));
  for (problem_grid& p : plan.problems) {
    p.tile_shape = p.chunk_shape;
  }
  return plan;
}

// The row-major grid index of a cell: what the fake backend writes, so that a tile written from
// another tile's buffer (reused too early) shows.
double grid_position(const problem_grid& problem, const tile_box& box, std::int64_t cell) {
  std::int64_t index[max_rank];
  grid_index(box, cell, index);
  std::int64_t position = 0;
  for (int d = 0; d < box.rank; ++d) {
    position = position * problem.shape[static_cast<std::size_t>(d)] + index[d];
  }
  return static_cast<double>(position);
}

// Computes in submit(); counts the tiles submitted and the distinct host tiles it was given.
class fake_backend final : public compute_backend {
public:
  std::string kind() const override { return "fake"; }
  std::string description() const override { return "fake"; }
  void submit(const problem_grid& problem, const tile_box& box, host_tile& out) override {
    const tile_columns c = out.columns();
    for (std::int64_t i = 0; i < cell_count(box); ++i) {
      c.f64[0][i] = grid_position(problem, box, i);
      if (c.status != nullptr) {
        c.status[i] = static_cast<std::uint8_t>(i % 2); // ok, infeasible, ok, ...
      }
    }
    buffers.insert(&out);
    submitted.fetch_add(1);
  }
  void wait(host_tile& /*out*/) override {}

  std::atomic<std::int64_t> submitted{0};
  std::set<const host_tile*> buffers;
};

struct written_tile {
  std::size_t problem;
  std::vector<std::int64_t> offset;
};

// Records what reaches it, checks each tile's values, and can act at a given round of a problem.
class fake_sink final : public result_sink {
public:
  fake_sink(const sweep_plan& plan, const fake_backend& backend)
      : m_plan(plan), m_backend(backend) {
    for (const problem_grid& p : plan.problems) {
      m_done.emplace_back(static_cast<std::size_t>(p.chunk_count()), 0);
    }
    checkpointed.resize(plan.problems.size());
  }
  const std::vector<std::uint8_t>& done_chunks(std::size_t problem) const override {
    return m_done[problem];
  }
  std::int64_t bytes_written() const override { return 0; }

  std::vector<written_tile> written;
  std::vector<std::vector<std::int64_t>> checkpointed; // per problem, in checkpoint order
  std::vector<std::size_t> checkpoint_after;           // written.size() at each checkpoint
  std::int64_t most_in_flight = 0;                     // most tiles submitted and not yet written
  bool wrong_values = false;
  bool finished = false;
  // Called before round `round` of `problem` is recorded (counting this problem's rounds).
  std::function<void(std::size_t problem, std::size_t round)> on_write;
  std::chrono::microseconds write_time{0}; // lets the compute thread run ahead

private:
  void do_write_tile(std::size_t p, const tile_box* box, const host_tile* tile) override {
    std::this_thread::sleep_for(write_time);
    most_in_flight = std::max<std::int64_t>(
        most_in_flight, m_backend.submitted.load() - static_cast<std::int64_t>(written.size()));
    if (on_write) {
      on_write(p, m_rounds_of[p]++);
    }
    ASSERT_NE(box, nullptr); // a serial run has a tile every round
    const problem_grid& problem = m_plan.problems[p];
    for (std::int64_t i = 0; i < cell_count(*box); ++i) {
      wrong_values = wrong_values || tile->f64(0)[i] != grid_position(problem, *box, i);
    }
    written.push_back({p, std::vector<std::int64_t>(box->offset, box->offset + box->rank)});
  }
  void do_checkpoint(std::size_t p, const std::vector<std::int64_t>& chunks) override {
    checkpointed[p].insert(checkpointed[p].end(), chunks.begin(), chunks.end());
    checkpoint_after.push_back(written.size());
  }
  void do_finish() override { finished = true; }

  const sweep_plan& m_plan;
  const fake_backend& m_backend;
  std::vector<std::vector<std::uint8_t>> m_done;
  std::map<std::size_t, std::size_t> m_rounds_of;
};

class TilePipeline : public testing::Test {
protected:
  // A signal left over from an earlier test of this process would stop every run at once.
  void SetUp() override { install_interrupt_handlers(); }
  void TearDown() override { install_interrupt_handlers(); }

  run_summary run(fake_sink& sink, const pipeline_options& options) {
    progress_reporter quiet(assigned_cells(plan, sink, *comm, options.shard), false);
    return run_pipeline(plan, backend, sink, quiet, *comm, options);
  }

  sweep_plan plan = small_plan();
  fake_backend backend;
  std::unique_ptr<communicator> comm = make_serial_communicator();
};

TEST_F(TilePipeline, WritesEveryTileInOrderWithItsOwnValues) {
  fake_sink sink(plan, backend);
  sink.write_time = std::chrono::microseconds(200); // queue rounds up behind a slow writer
  pipeline_options options;
  options.checkpoint_seconds = 1e9; // one checkpoint per problem, after its last round
  const run_summary s = run(sink, options);

  std::vector<written_tile> expected;
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    for (const tile_box& t : assigned_tiles(plan.problems[p], {}, 0, 1, sink.done_chunks(p))) {
      expected.push_back({p, std::vector<std::int64_t>(t.offset, t.offset + t.rank)});
    }
  }
  ASSERT_EQ(sink.written.size(), expected.size());
  ASSERT_GT(expected.size(), 3 * plan.problems.size()); // several rounds per problem
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sink.written[i].problem, expected[i].problem) << "tile " << i;
    EXPECT_EQ(sink.written[i].offset, expected[i].offset) << "tile " << i;
  }
  EXPECT_FALSE(sink.wrong_values);
  EXPECT_TRUE(sink.finished);
  EXPECT_EQ(s.tiles, static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(s.cells, plan.total_cells());
  // Each problem's chunks are recorded done once, all of them, at its last round.
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    std::vector<std::int64_t> chunks = sink.checkpointed[p];
    std::sort(chunks.begin(), chunks.end());
    ASSERT_EQ(static_cast<std::int64_t>(chunks.size()), plan.problems[p].chunk_count());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      EXPECT_EQ(chunks[c], static_cast<std::int64_t>(c));
    }
  }
  EXPECT_EQ(sink.checkpoint_after.size(), plan.problems.size());
}

TEST_F(TilePipeline, CountsStatusesOfTheOptima) {
  fake_sink sink(plan, backend);
  const run_summary s = run(sink, {});
  ASSERT_EQ(s.statuses.size(), plan.problems.size());
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const status_tally& t = s.statuses[p];
    if (!plan.problems[p].has_status()) {
      EXPECT_EQ(t, status_tally{}) << plan.problems[p].name;
      continue;
    }
    // The fake backend's codes alternate ok, infeasible within each tile: ceil(n/2) ok per tile.
    std::int64_t ok = 0;
    for (const tile_box& box : assigned_tiles(plan.problems[p], {}, 0, 1, sink.done_chunks(p))) {
      ok += (cell_count(box) + 1) / 2;
    }
    EXPECT_EQ(t[static_cast<std::size_t>(cell_status::ok)], ok);
    EXPECT_EQ(t[static_cast<std::size_t>(cell_status::infeasible)], plan.problems[p].cells() - ok);
  }
}

TEST_F(TilePipeline, HoldsNoMoreHostTilesThanThePool) {
  for (const int host_tiles : {2, 3, 4}) {
    fake_backend counting;
    fake_sink sink(plan, counting);
    sink.write_time = std::chrono::microseconds(500); // the compute thread waits for free tiles
    pipeline_options options;
    options.host_tiles = host_tiles;
    progress_reporter quiet(0, false);
    run_pipeline(plan, counting, sink, quiet, *comm, options);
    EXPECT_LE(sink.most_in_flight, host_tiles) << host_tiles << " host tiles";
    // One pool per problem, each of host_tiles tiles (every problem has more tiles than that).
    EXPECT_LE(counting.buffers.size(), host_tiles * plan.problems.size());
    EXPECT_FALSE(sink.wrong_values) << host_tiles << " host tiles";
  }
}

TEST_F(TilePipeline, StopsAfterTheInterruptedRoundWithACheckpoint) {
  fake_sink sink(plan, backend);
  const std::size_t stop_round = 2;
  sink.on_write = [&](std::size_t problem, std::size_t round) {
    if (problem == 1 && round == stop_round) {
      std::raise(SIGHUP); // recorded by the run's handler; the pipeline polls it after the round
    }
  };
  pipeline_options options;
  options.checkpoint_seconds = 1e9;
  try {
    run(sink, options);
    FAIL() << "the run was not interrupted";
  } catch (const run_interrupted& e) {
    EXPECT_EQ(e.signal(), SIGHUP);
  }
  const std::size_t rounds_of_first = sink.checkpointed[0].size();  // one chunk per tile
  ASSERT_EQ(sink.written.size(), rounds_of_first + stop_round + 1); // nothing after that round
  EXPECT_EQ(sink.checkpoint_after.back(), sink.written.size());     // checkpointed after it
  EXPECT_EQ(sink.checkpointed[1].size(), stop_round + 1);           // with its chunks
  EXPECT_FALSE(sink.finished);
}

TEST_F(TilePipeline, RethrowsTheWritersErrorOnTheComputeThread) {
  fake_sink sink(plan, backend);
  std::thread::id writer_thread;
  sink.on_write = [&](std::size_t problem, std::size_t round) {
    if (problem == 0 && round == 3) {
      writer_thread = std::this_thread::get_id();
      throw io_error("disk full at round 3");
    }
  };
  std::string message = "no error";
  try {
    run(sink, {});
  } catch (const io_error& e) {
    message = e.what();
  }
  EXPECT_EQ(message, "disk full at round 3");
  EXPECT_NE(writer_thread, std::this_thread::get_id()); // thrown there, caught here
  EXPECT_EQ(sink.written.size(), 3U);                   // rounds 0-2; none after the error
  EXPECT_FALSE(sink.finished);
}

} // namespace
