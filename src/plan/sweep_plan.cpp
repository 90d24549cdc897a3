// Turns a config into problems over named axes and tiles them.
#include "plan/sweep_plan.hpp"

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/error.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace scalesweep {

std::int64_t cells_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t s : shape) {
    n *= s;
  }
  return n;
}

std::int64_t problem_grid::cells() const {
  return cells_of(shape);
}

namespace {
// The grid of boxes of this shape (chunks, blocks or tiles) over the problem's whole grid.
box_grid boxes_of(const problem_grid& problem, const std::vector<std::int64_t>& box_shape) {
  return box_grid(grid_box(problem.shape), box_shape);
}
} // namespace

std::int64_t problem_grid::chunk_count() const {
  return boxes_of(*this, chunk_shape).count();
}

tile_box problem_grid::chunk(std::int64_t index) const {
  return boxes_of(*this, chunk_shape).box(index);
}

std::int64_t problem_grid::block_count() const {
  return boxes_of(*this, block_shape).count();
}

tile_box problem_grid::block(std::int64_t index) const {
  return boxes_of(*this, block_shape).box(index);
}

std::int64_t problem_grid::tile_count() const {
  return boxes_of(*this, tile_shape).count();
}

tile_box problem_grid::tile(std::int64_t index) const {
  return boxes_of(*this, tile_shape).box(index);
}

std::int64_t problem_grid::f64_outputs() const {
  return std::count_if(outputs.begin(), outputs.end(),
                       [](const variable_info& v) { return v.type == value_type::f64; });
}

bool problem_grid::has_status() const {
  return f64_outputs() < static_cast<std::int64_t>(outputs.size());
}

std::int64_t problem_grid::memory_bytes_per_cell() const {
  return f64_outputs() * 8 + (has_status() ? 1 : 0);
}

std::int64_t problem_grid::file_bytes_per_cell() const {
  std::int64_t n = 0;
  for (const variable_info& v : outputs) {
    n += v.type == value_type::u8 ? 1 : (v.stored_as_float32 ? 4 : 8);
  }
  return n;
}

tile_box variable_box(const variable_info& v, const tile_box& box) {
  if (!v.without_first_dim) {
    return box;
  }
  tile_box out{};
  out.rank = box.rank - 1;
  for (int d = 0; d < out.rank; ++d) {
    out.offset[d] = box.offset[d + 1];
    out.count[d] = box.count[d + 1];
  }
  return out;
}

std::vector<std::int64_t> variable_shape(const variable_info& v,
                                         const std::vector<std::int64_t>& shape) {
  return v.without_first_dim ? std::vector<std::int64_t>(shape.begin() + 1, shape.end()) : shape;
}

const axis* sweep_plan::find_axis(axis_id id) const {
  for (const axis& a : axes) {
    if (a.id == id) {
      return &a;
    }
  }
  return nullptr;
}

std::int64_t sweep_plan::total_cells() const {
  // Each problem has at most 4e18 cells (make_plan); their sum may not fit: saturated.
  std::int64_t n = 0;
  for (const problem_grid& p : problems) {
    if (__builtin_add_overflow(n, p.cells(), &n)) {
      return std::numeric_limits<std::int64_t>::max();
    }
  }
  return n;
}

namespace {
// HDF5's index of a chunked dataset (a version-1 B-tree, as files readable by HDF5 1.8 have):
// nodes of up to 64 entries, each a key (chunk size, filter mask, rank + 1 offsets) and a child
// address, allocated whole and at worst half full after splits; a tenth more for the inner
// levels. 83-114 bytes per chunk for ranks 2-4: the file of 1-cell chunks measured 63.
double chunk_index_bytes(std::size_t rank) {
  const double key = 4 + 4 + 8 * static_cast<double>(rank + 1);
  const double node = 24 + 65 * key + 64 * 8;
  return 1.1 * node / 32;
}
} // namespace

std::int64_t sweep_plan::output_bytes() const {
  // Every chunk is stored at full size, the edge chunks too, with its entry in the chunk index;
  // then the coordinates, the progress records and a margin for the root attributes and HDF5's
  // metadata (measured: ~3 KiB per dataset with its attributes and dimension-scale references).
  // Summed in double: grids of up to 4e18 cells each overflow int64 in bytes; saturated.
  constexpr double per_dataset = 8192;
  double n = 65536 + static_cast<double>(config.text.size());
  for (const axis& a : axes) {
    n += 8 * static_cast<double>(a.size()) + per_dataset;
  }
  for (const problem_grid& p : problems) {
    n += static_cast<double>(p.outputs.size() + 1) * per_dataset;
    n += static_cast<double>(p.chunk_count()) *
         (static_cast<double>(p.chunk_bytes()) + 1 +
          static_cast<double>(p.outputs.size()) * chunk_index_bytes(p.dims.size()));
  }
  return n < 9e18 ? static_cast<std::int64_t>(n) : std::numeric_limits<std::int64_t>::max();
}

std::int64_t problem_grid::chunk_bytes() const {
  return cells_of(chunk_shape) * file_bytes_per_cell();
}

std::int64_t sweep_plan::max_tile_bytes() const {
  std::int64_t n = 0;
  for (const problem_grid& p : problems) {
    n = std::max(n, cells_of(p.tile_shape) * p.memory_bytes_per_cell());
  }
  return n;
}

std::vector<std::int64_t> choose_tile_shape(const std::vector<std::int64_t>& shape,
                                            std::int64_t max_cells) {
  std::vector<std::int64_t> tile(shape.size(), 1);
  std::int64_t room = std::max<std::int64_t>(1, max_cells);
  for (std::size_t i = shape.size(); i-- > 0;) {
    // The dimension that does not fit is cut into equal pieces, not into full pieces and a
    // remainder: HDF5 stores an edge chunk at full size, so 401 points cut as 326 + 75 would
    // make a 63 % larger file than 201 + 200.
    const std::int64_t pieces = ceil_div(shape[i], room);
    tile[i] = std::max<std::int64_t>(1, ceil_div(shape[i], pieces));
    room /= tile[i];
  }
  return tile;
}

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    out += (out.empty() ? "" : ", ") + p;
  }
  return out;
}

constexpr const char* training_only = "for training only add T = { values = [0] }";

class problem_builder {
public:
  explicit problem_builder(sweep_plan& plan) : m_plan(plan) {}

  bool has(axis_id id) const { return m_plan.find_axis(id) != nullptr; }

  // `where`: the config position that asked for it ("file:line:col"), else the file.
  void require(axis_id needed, const std::string& who, const std::string& hint,
               const std::string& where = {}) const {
    if (!has(needed)) {
      throw input_error((where.empty() ? m_plan.config.source_name : where) + ": " + who +
                            " needs axes." + std::string(axis_name(needed)) +
                            ", which the config does not declare",
                        hint);
    }
  }

  void add(const problem_description& d) {
    problem_grid p;
    p.kind = d.kind;
    p.name = std::string(d.name);
    p.dims.assign(d.axes.begin(), d.axes.end());
    double cells = 1;
    for (axis_id id : p.dims) {
      p.shape.push_back(m_plan.find_axis(id)->size());
      cells *= static_cast<double>(p.shape.back());
    }
    if (cells > 4e18) {
      throw input_error(m_plan.config.source_name + ": the " + p.name + " grid has " +
                        std::to_string(cells) + " cells, more than 4e18");
    }
    p.outputs = variables_of(d);
    p.chunk_shape = chunk_shape_of(p);
    // About 64 blocks per problem (so shards and ranks have work to share), each between one
    // chunk and 16M cells.
    const std::int64_t block_cells =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(cells / 64),
                                 m_plan.config.output.chunk_cells, std::int64_t{1} << 24);
    p.block_shape = chunk_aligned_tile_shape(p.shape, p.chunk_shape, block_cells);
    p.tile_shape = p.chunk_shape;
    m_plan.problems.push_back(std::move(p));
  }

private:
  // [output] chunk_cells per chunk; a quantile problem's chunks span every level (so that a tile
  // solves each cell's samples once for all of them), with the cells shared out over the rest.
  std::vector<std::int64_t> chunk_shape_of(const problem_grid& p) const {
    const std::int64_t cells = m_plan.config.output.chunk_cells;
    if (!reduces_to_quantiles(p.kind)) {
      return choose_tile_shape(p.shape, cells);
    }
    const std::vector<std::int64_t> rest(p.shape.begin() + 1, p.shape.end());
    std::vector<std::int64_t> chunk =
        choose_tile_shape(rest, std::max<std::int64_t>(1, cells / p.shape[0]));
    chunk.insert(chunk.begin(), p.shape[0]);
    return chunk;
  }

  // The table's variables, costs in the objective's unit, dense grids as [output] dtype asks.
  std::vector<variable_info> variables_of(const problem_description& d) const {
    const output_spec& out = m_plan.config.output;
    const bool float32 = !d.dense_key.empty() && std::find(out.float32.begin(), out.float32.end(),
                                                           d.dense_key) != out.float32.end();
    std::vector<variable_info> variables;
    for (const variable_name& v : d.variables) {
      const std::string_view units =
          v.units.empty() ? cost_cf_units(m_plan.config.objective) : v.units;
      variables.push_back({std::string(v.name), std::string(units), std::string(v.long_name),
                           v.type, float32, v.without_first_dim});
    }
    return variables;
  }

  sweep_plan& m_plan;
};

// The hardware axis: one point per scenario under a hardware objective (usd, energy, co2), one
// "flops" entry ({1, 1} coefficients) otherwise (files hold their names); then the config's axes.
void add_axes(sweep_plan& plan) {
  const sweep_config& c = plan.config;
  if (needs_hardware(c.objective)) {
    for (const hardware_scenario& h : c.hardware) {
      plan.hardware_names.push_back(h.name);
      plan.hardware_coefficients.push_back(cost_coefficients_of(c.objective, h));
    }
  } else {
    plan.hardware_names = {"flops"};
    plan.hardware_coefficients = {{1.0, 1.0}};
  }
  std::vector<double> index(plan.hardware_names.size());
  for (std::size_t i = 0; i < index.size(); ++i) {
    index[i] = static_cast<double>(i);
  }
  plan.axes.push_back(make_axis(axis_id::hardware, c.objective, "names", index));
  for (const axis& a : c.axes) {
    plan.axes.push_back(a);
  }
  // Law samples add the sample axis (its values: the samples' indices, only a dimension when
  // they are kept) and the quantile levels, after the declared axes as axis_id orders them.
  if (!c.law.samples_source.empty()) {
    if (c.law.samples.empty()) {
      throw error("internal error: a plan for law samples that were not read");
    }
    std::vector<double> samples(c.law.samples.size());
    for (std::size_t s = 0; s < samples.size(); ++s) {
      samples[s] = static_cast<double>(s);
    }
    plan.axes.push_back(make_axis(axis_id::sample, c.objective, "index", std::move(samples)));
    plan.axes.back().where = c.law.samples_where;
    plan.axes.push_back(
        make_axis(axis_id::quantile, c.objective, "values", c.uncertainty.quantiles));
    plan.axes.back().where = c.uncertainty.where;
  }
  // The regret grid pairs every demand of the T axis with every other: its T_plan coordinate
  // holds the T axis' values (SPEC §5.4). Without axes.T, wants_dense_grid refuses the grid.
  const std::vector<std::string>& dense = c.output.dense;
  const axis* T = c.find_axis(axis_id::T);
  if (T != nullptr && std::find(dense.begin(), dense.end(), "regret") != dense.end()) {
    axis t_plan = make_axis(axis_id::T_plan, c.objective, T->spacing, T->values);
    t_plan.where = T->where;
    plan.axes.push_back(std::move(t_plan));
  }
}

// Under law samples each optimum problem (and the regret grid, which compares optima) is solved
// per sample: its quantiles replace it, and keep_samples adds every sample's; without samples
// only the plain problems exist. The other dense grids stay under the point law.
bool sampling_wants(const sweep_config& c, const problem_description& d) {
  const bool sampled = !c.law.samples_source.empty();
  if (!has_sample_axis(d.kind)) {
    // The regret grid compares optima: under samples its quantiles replace it, as the optima's.
    return !sampled || (!d.dense_key.empty() && d.kind != problem_kind::regret);
  }
  return sampled && (reduces_to_quantiles(d.kind) || c.uncertainty.keep_samples);
}

// Dense grids: each needs its axes; by default every grid whose axes are declared is written.
// Missing axes are reported in the order N, D, T, loss_target, budget.
bool wants_dense_grid(const problem_builder& b, const sweep_config& c,
                      const problem_description& d) {
  const std::vector<std::string>& dense = c.output.dense;
  const auto entry = std::find(dense.begin(), dense.end(), d.dense_key);
  const bool possible =
      std::all_of(d.axes.begin(), d.axes.end(), [&](axis_id id) { return b.has(id); });
  if (entry == dense.end() || (!c.output.dense_given && !possible)) {
    return false;
  }
  const auto index = static_cast<std::size_t>(entry - dense.begin());
  const std::string where =
      index < c.output.dense_where.size() ? c.output.dense_where[index] : std::string();
  const std::string name(d.dense_key);
  for (axis_id id : {axis_id::N, axis_id::D, axis_id::T, axis_id::loss_target, axis_id::budget}) {
    if (std::find(d.axes.begin(), d.axes.end(), id) != d.axes.end()) {
      const bool regret_demands = d.kind == problem_kind::regret && id == axis_id::T;
      b.require(id, "output.dense '" + name + "'",
                regret_demands ? "regret compares the demands of axes.T (T_plan takes its values)"
                : id == axis_id::T ? training_only
                                   : "declare it, or drop '" + name + "' from output.dense",
                where);
    }
  }
  return true;
}

// An optimum problem is solved wherever its target axis (the last) is declared, the robust
// choice wherever axes.spread is; each needs its other axes (T; the robust choice loss_target).
bool wants_optima(const problem_builder& b, const sweep_plan& plan, const problem_description& d) {
  const bool robust =
      d.kind == problem_kind::robust ||
      (has_sample_axis(d.kind) && optimum_per_sample(d.kind) == problem_kind::robust);
  const axis* target = plan.find_axis(robust ? axis_id::spread : d.axes[d.axes.size - 1]);
  if (target == nullptr) {
    return false;
  }
  for (axis_id id : d.axes) {
    if (id != axis_id::hardware && id != target->id && id != axis_id::sample &&
        id != axis_id::quantile) {
      b.require(id, "axes." + target->name,
                id == axis_id::T ? training_only : "declare it, or drop axes." + target->name,
                target->where);
    }
  }
  return true;
}

void refuse_empty_plan(const sweep_plan& plan) {
  if (!plan.problems.empty()) {
    return;
  }
  const sweep_config& c = plan.config;
  std::vector<std::string> declared;
  for (const axis& a : c.axes) {
    declared.push_back(a.name);
  }
  throw input_error((c.axes_where.empty() ? c.source_name : c.axes_where) +
                        ": nothing to compute with axes [" + join(declared) + "]",
                    "declare T with loss_target or budget, or N and D for dense grids");
}

} // namespace

std::vector<std::int64_t> chunk_aligned_tile_shape(const std::vector<std::int64_t>& shape,
                                                   const std::vector<std::int64_t>& chunk,
                                                   std::int64_t max_cells) {
  std::vector<std::int64_t> tile = chunk;
  for (std::size_t d = shape.size(); d-- > 0;) {
    std::int64_t others = 1;
    for (std::size_t e = 0; e < tile.size(); ++e) {
      others *= e == d ? 1 : tile[e];
    }
    const std::int64_t chunks = std::max<std::int64_t>(1, max_cells / others / chunk[d]);
    tile[d] = std::min(shape[d], chunks * chunk[d]);
    if (tile[d] < shape[d]) {
      break;
    }
  }
  return tile;
}

sweep_plan make_plan(sweep_config config) {
  sweep_plan plan;
  plan.config = std::move(config);
  add_axes(plan);
  problem_builder b(plan);
  // The dense grids named in output.dense are checked first: a regret grid without axes.T is
  // refused as such, not as the loss-target optima that also lack it.
  constexpr std::size_t kinds = std::size(problem_descriptions);
  bool wanted[kinds] = {};
  for (std::size_t i = 0; i < kinds; ++i) {
    const problem_description& d = problem_descriptions[i];
    wanted[i] = !d.dense_key.empty() && sampling_wants(plan.config, d) &&
                wants_dense_grid(b, plan.config, d);
  }
  for (std::size_t i = 0; i < kinds; ++i) {
    const problem_description& d = problem_descriptions[i];
    const bool optimum = d.dense_key.empty() && sampling_wants(plan.config, d);
    if (d.dense_key.empty() ? optimum && wants_optima(b, plan, d) : wanted[i]) {
      b.add(d);
    }
  }
  refuse_empty_plan(plan);
  return plan;
}

} // namespace scalesweep
