// Blocks to shards to ranks to tiles, and chunk bookkeeping.
#include "plan/work_assignment.hpp"

#include "scalesweep/error.hpp"

#include "common/untrusted_text.hpp"

#include <algorithm>
#include <limits>

namespace scalesweep {

std::string shard_spec::text() const {
  return std::to_string(index + 1) + "/" + std::to_string(count);
}

shard_spec parse_shard(const std::string& text) {
  // Digits only on either side: std::stoi alone would take " 1" and "+1", and call 10 digits
  // "not i/n".
  const std::size_t slash = text.find('/');
  const auto is_count = [](const std::string& part) {
    return !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
  };
  if (slash == std::string::npos || !is_count(text.substr(0, slash)) ||
      !is_count(text.substr(slash + 1))) {
    throw input_error("--shard '" + shown_token(text) + "': expected i/n, e.g. --shard 2/8");
  }
  constexpr long long most = 1000000;
  const auto count = [&](const std::string& part) {
    return part.size() > 18 ? most + 1 : std::stoll(part); // 18 digits fit a long long
  };
  const long long i = count(text.substr(0, slash));
  const long long n = count(text.substr(slash + 1));
  if (n < 1 || i < 1 || i > n || n > most) {
    throw input_error("--shard " + text + ": needs 1 <= i <= n <= " + std::to_string(most));
  }
  return {static_cast<int>(i - 1), static_cast<int>(n)};
}

box_grid chunks_of(const problem_grid& problem, const tile_box& tile) {
  return box_grid(tile, problem.chunk_shape);
}

std::int64_t chunk_index(const problem_grid& problem, const tile_box& chunk) {
  return box_grid(grid_box(problem.shape), problem.chunk_shape).index_of(chunk);
}

std::vector<std::int64_t> chunk_indices(const problem_grid& problem, const tile_box& box) {
  const box_grid grid(grid_box(problem.shape), problem.chunk_shape);
  const box_grid chunks = chunks_of(problem, box);
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(chunks.count()));
  for (const tile_box& c : chunks) {
    out.push_back(grid.index_of(c));
  }
  return out;
}

std::int64_t cells_of_chunks(const problem_grid& problem, const std::vector<std::uint8_t>& chunks) {
  std::int64_t cells = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (chunks[c] != 0) {
      cells += cell_count(problem.chunk(static_cast<std::int64_t>(c)));
    }
  }
  return cells;
}

namespace {
// Calls visit(block box) for each block of the shard: every n-th from the shard's index, the
// rule of shard_owns_block without testing the other shards' blocks.
template <class Visit>
void for_each_shard_block(const problem_grid& problem, const shard_spec& shard, Visit&& visit) {
  for (std::int64_t b = shard.index; b < problem.block_count(); b += shard.count) {
    visit(problem.block(b));
  }
}
} // namespace

// Both visit the shard's own blocks, not its chunks: validate plans grids of billions of chunks.
std::int64_t shard_cells(const sweep_plan& plan, const shard_spec& shard) {
  if (shard.whole()) {
    return plan.total_cells();
  }
  // Saturated, as total_cells is: each problem has up to 4e18 cells, a shard of several more.
  std::int64_t cells = 0;
  bool overflow = false;
  for (const problem_grid& problem : plan.problems) {
    for_each_shard_block(problem, shard, [&](const tile_box& block) {
      overflow = overflow || __builtin_add_overflow(cells, cell_count(block), &cells);
    });
  }
  return overflow ? std::numeric_limits<std::int64_t>::max() : cells;
}

std::int64_t largest_block_count(const sweep_plan& plan) {
  std::int64_t blocks = 0;
  for (const problem_grid& problem : plan.problems) {
    blocks = std::max(blocks, problem.block_count());
  }
  return blocks;
}

std::int64_t shard_output_bytes(const sweep_plan& plan, const shard_spec& shard) {
  const std::int64_t whole = plan.output_bytes();
  if (shard.whole()) {
    return whole;
  }
  double others = 0; // in double, as output_bytes sums: grids near 4e18 cells
  for (const problem_grid& p : plan.problems) {
    std::int64_t owned = 0;
    for_each_shard_block(p, shard,
                         [&](const tile_box& block) { owned += chunks_of(p, block).count(); });
    others +=
        static_cast<double>(p.chunk_count() - owned) * (static_cast<double>(p.chunk_bytes()) + 1);
  }
  return static_cast<std::int64_t>(std::max(0.0, static_cast<double>(whole) - others));
}

bool shard_owns_block(std::int64_t block, const shard_spec& shard) {
  return block % shard.count == shard.index;
}

std::vector<tile_box> assigned_tiles(const problem_grid& problem, const shard_spec& shard, int rank,
                                     int ranks, const std::vector<std::uint8_t>& done) {
  std::vector<tile_box> out;
  std::int64_t dealt = 0;
  for (std::int64_t b = 0; b < problem.block_count(); ++b) {
    if (!shard_owns_block(b, shard)) {
      continue;
    }
    if (dealt++ % ranks != rank) {
      continue;
    }
    // Tiles of problem.tile_shape anchored at the block's origin, clipped to the block.
    for (const tile_box& tile : box_grid(problem.block(b), problem.tile_shape)) {
      const std::vector<std::int64_t> chunks = chunk_indices(problem, tile);
      const bool pending = std::any_of(chunks.begin(), chunks.end(), [&](std::int64_t c) {
        return done.empty() || done[static_cast<std::size_t>(c)] == 0;
      });
      if (pending) {
        out.push_back(tile);
      }
    }
  }
  return out;
}

} // namespace scalesweep
