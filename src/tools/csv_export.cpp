// One problem of a result file as CSV (csv_export.hpp).
#include "tools/csv_export.hpp"

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/error.hpp"

#include "common/text_format.hpp"
#include "output/schema.hpp"
#include "plan/variables.hpp"

#include <algorithm>
#include <sstream>

namespace scalesweep {

namespace {

// Cells per block read at once, per variable: with a dozen variables a block holds ~25 MiB, and
// the rows of a block are at most a few more (the memory bound whatever the file's size).
constexpr std::int64_t block_cells = std::int64_t{1} << 18;

// "loss_target" is written "loss-target" on the command line.
std::string cli_spelling(std::string_view key) {
  std::string s(key);
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

std::string text_attribute(const h5::dataset_summary& d, const char* name) {
  for (const auto& [key, value] : d.attributes) {
    if (key == name) {
      if (const auto* texts = std::get_if<std::vector<std::string>>(&value.values)) {
        return texts->empty() ? std::string() : texts->front();
      }
    }
  }
  return {};
}

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
void append_field(std::string& line, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    line += text;
    return;
  }
  line += '"';
  for (char c : text) {
    line += c;
    if (c == '"') {
      line += '"';
    }
  }
  line += '"';
}

std::string header_of(const std::string& name, const std::string& units) {
  return units.empty() ? name : name + " [" + units + "]";
}

} // namespace

std::vector<std::string> csv_export::problem_names() {
  std::vector<std::string> names;
  for (const problem_description& p : problem_descriptions) {
    names.push_back(cli_spelling(p.key));
  }
  return names;
}

csv_export::csv_export(const std::string& path, const std::string& problem, bool allow_incomplete)
    : m_file(path), m_path(path), m_allow_incomplete(allow_incomplete) {
  const problem_description* chosen = nullptr;
  bool is_known = false;
  std::string in_file;
  for (const problem_description& p : problem_descriptions) {
    const bool present = m_file.find(std::string(p.variables[0].name)) != nullptr;
    const bool named = cli_spelling(p.key) == cli_spelling(problem);
    is_known = is_known || named;
    chosen = named && present ? &p : chosen;
    if (present) {
      in_file += (in_file.empty() ? "" : ", ") + cli_spelling(p.key);
    }
  }
  if (chosen == nullptr) {
    std::string known;
    for (const std::string& name : problem_names()) {
      known += (known.empty() ? "" : ", ") + name;
    }
    throw input_error("--problem: '" + path + "' holds no " +
                          (is_known ? cli_spelling(problem) : "'" + problem + "'") + " problem",
                      "this file holds: " + (in_file.empty() ? "none" : in_file) +
                          (is_known ? "" : " (problems are " + known + ")"));
  }

  const h5::progress_record& progress = m_file.progress();
  const std::vector<std::uint8_t>* done =
      m_file.done_chunks(std::string(chosen->variables[0].name));
  const bool all_done = done == nullptr || std::all_of(done->begin(), done->end(),
                                                       [](std::uint8_t d) { return d != 0; });
  if (!allow_incomplete) {
    const std::string escape = "or pass --allow-incomplete to export only the cells written";
    if (progress.partial_file || progress.merge_in_progress) {
      throw input_error(
          "'" + path + "' is an unfinished " + (progress.merge_in_progress ? "merge" : "run") +
              " (scalesweep inspect says how far it got)",
          "finish it (run --resume, or the merge again) and export the result, " + escape);
    }
    if (progress.shard != "1/1") {
      throw input_error("'" + path + "' is part " + progress.shard + " of a sharded run",
                        "join the parts with scalesweep merge and export the result, " + escape);
    }
    if (!all_done) {
      throw input_error("'" + path + "' has chunks of " + std::string(chosen->name) +
                            " that no run has written",
                        escape);
    }
  }

  for (axis_id id : chosen->axes) {
    const std::string name(axis_name(id));
    const h5::dataset_summary* d = m_file.find(name);
    if (d == nullptr || !d->is_coordinate) {
      throw input_error("'" + path + "' has no coordinate '" + name + "' for " +
                        std::string(chosen->name));
    }
    m_axes.push_back({name, text_attribute(*d, schema::variable::units), false, {}});
  }
  for (const variable_name& v : chosen->variables) {
    const h5::dataset_summary* d = m_file.find(std::string(v.name));
    if (d == nullptr) {
      continue;
    }
    column c{std::string(v.name),
             text_attribute(*d, schema::variable::units),
             v.type == value_type::u8,
             {},
             v.without_first_dim};
    if (c.is_status) {
      std::istringstream words(text_attribute(*d, schema::variable::flag_meanings));
      for (std::string w; words >> w;) {
        c.meanings.push_back(w);
      }
      c.units.clear(); // a word per cell, not a number in units
    }
    m_variables.push_back(std::move(c));
  }
}

csv_export_summary csv_export::write(std::FILE* out) const {
  const auto put = [&](const std::string& text) {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
      throw io_error("cannot write the CSV: the disk may be full");
    }
  };
  std::string line;
  for (const std::vector<column>* columns : {&m_axes, &m_variables}) {
    for (const column& c : *columns) {
      if (!line.empty()) {
        line += ',';
      }
      append_field(line, header_of(c.name, c.units));
    }
  }
  put(line + "\n");

  // Coordinate values: names (hardware) or numbers, one list per dimension.
  std::vector<std::vector<std::string>> names(m_axes.size());
  std::vector<std::vector<double>> numbers(m_axes.size());
  std::vector<std::int64_t> shape;
  for (std::size_t d = 0; d < m_axes.size(); ++d) {
    const h5::dataset_summary* coordinate = m_file.find(m_axes[d].name);
    if (coordinate->dtype == "string") {
      names[d] = m_file.read_strings(m_axes[d].name);
      shape.push_back(static_cast<std::int64_t>(names[d].size()));
    } else {
      numbers[d] = m_file.read_numbers(m_axes[d].name);
      shape.push_back(static_cast<std::int64_t>(numbers[d].size()));
    }
  }
  const int rank = static_cast<int>(shape.size());
  const std::string& first = m_variables.front().name;
  std::vector<std::int64_t> chunk = m_file.chunk_shape(first);
  if (chunk.size() != shape.size()) {
    chunk = shape; // contiguous: one chunk
  }
  const std::vector<std::uint8_t>* done = m_allow_incomplete ? m_file.done_chunks(first) : nullptr;
  const box_grid chunks(grid_box(shape), chunk);

  // Blocks are whole rows of the last axis (or pieces of one over-long row), several rows of the
  // next-to-last axis where they fit, whole chunk rows where possible: each chunk is read once,
  // and the rows of consecutive blocks run row-major.
  std::vector<std::int64_t> block(static_cast<std::size_t>(rank), 1);
  const std::int64_t last = rank > 0 ? shape.back() : 1;
  if (rank > 0 && last > block_cells) {
    block.back() = block_cells;
  } else if (rank > 0) {
    block.back() = std::max<std::int64_t>(last, 1);
    if (rank > 1) {
      std::int64_t rows = std::max<std::int64_t>(1, block_cells / block.back());
      const std::int64_t chunk_rows = chunk[static_cast<std::size_t>(rank - 2)];
      rows = rows >= chunk_rows ? rows / chunk_rows * chunk_rows : rows;
      block[static_cast<std::size_t>(rank - 2)] = std::min(rows, shape[rank - 2]);
    }
  }
  csv_export_summary summary;
  if (std::any_of(shape.begin(), shape.end(), [](std::int64_t n) { return n == 0; })) {
    return summary;
  }
  const box_grid blocks(grid_box(shape), block);
  std::vector<std::vector<double>> values(m_variables.size());
  std::vector<std::vector<std::uint8_t>> statuses(m_variables.size());
  std::string text;
  for (const tile_box& box : blocks) {
    // A variable without the first dimension is read for the other dimensions' part of the box
    // and repeated along the first (the box is row-major, the first dimension outermost).
    tile_box inner{};
    inner.rank = rank - 1;
    for (int d = 1; d < rank; ++d) {
      inner.offset[d - 1] = box.offset[d];
      inner.count[d - 1] = box.count[d];
    }
    const std::int64_t inner_cells = rank > 1 ? cell_count(inner) : 1;
    for (std::size_t v = 0; v < m_variables.size(); ++v) {
      const tile_box& part = m_variables[v].without_first_dim ? inner : box;
      if (m_variables[v].is_status) {
        m_file.read_box(m_variables[v].name, part, statuses[v]);
      } else {
        m_file.read_box(m_variables[v].name, part, values[v]);
      }
    }
    text.clear();
    std::int64_t index[max_rank] = {};
    const std::int64_t cells = cell_count(box);
    for (std::int64_t i = 0; i < cells; ++i) {
      if (i > 0) { // the next cell of the box, last axis fastest
        for (int d = rank - 1; d >= 0 && ++index[d] == box.count[d]; --d) {
          index[d] = 0;
        }
      }
      if (done != nullptr) {
        std::int64_t c = 0;
        for (int d = 0; d < rank; ++d) {
          c = c * chunks.along(d) + (box.offset[d] + index[d]) / chunk[static_cast<std::size_t>(d)];
        }
        if ((*done)[static_cast<std::size_t>(c)] == 0) {
          ++summary.unwritten;
          continue;
        }
      }
      for (int d = 0; d < rank; ++d) {
        const auto at = static_cast<std::size_t>(box.offset[d] + index[d]);
        const auto u = static_cast<std::size_t>(d);
        text += d == 0 ? "" : ",";
        if (names[u].empty()) {
          text += float_literal(numbers[u][at]);
        } else {
          append_field(text, names[u][at]);
        }
      }
      for (std::size_t v = 0; v < m_variables.size(); ++v) {
        text += ',';
        const auto at =
            static_cast<std::size_t>(m_variables[v].without_first_dim ? i % inner_cells : i);
        if (!m_variables[v].is_status) {
          text += float_literal(values[v][at]);
          continue;
        }
        const std::uint8_t s = statuses[v][at];
        text += s < m_variables[v].meanings.size() ? m_variables[v].meanings[s] : std::to_string(s);
      }
      text += '\n';
      ++summary.rows;
    }
    put(text);
  }
  return summary;
}

} // namespace scalesweep
