// The progress record: created with the skeleton, read by resume, rebuild, merge and inspect.
#include "output/hdf5/progress_record.hpp"

#include "scalesweep/cells/box_grid.hpp"

#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/schema.hpp"
#include "plan/work_assignment.hpp"

#include <algorithm>

namespace scalesweep::h5 {

void create_progress_record(hid_t file, const sweep_plan& plan, const shard_spec& shard) {
  // The progress record lives in a group of its own: readers of the results never see it.
  const handle group =
      handle(H5Gcreate2(file, schema::progress::group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Gclose, "create progress group");
  write_attribute(group.get(), schema::progress::long_name,
                  std::string(schema::progress::long_name_text));
  write_attribute(group.get(), schema::progress::shard, shard.text());
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(plan.problems[p].chunk_count()),
                                          0);
    const handle ds = write_bytes(file, schema::done_path(p), zeros);
    write_attribute(ds.get(), schema::progress::record_problem, plan.problems[p].name);
    std::vector<std::string> variables;
    for (const variable_info& v : plan.problems[p].outputs) {
      variables.push_back(v.name);
    }
    write_attribute(ds.get(), schema::progress::record_variables, variables);
  }
}

bool has_progress_record(hid_t file) {
  return has_link(file, schema::progress::group);
}

progress_reader::progress_reader(hid_t file) : m_file(file) {
  const handle group =
      handle(H5Gopen2(file, schema::progress::group, H5P_DEFAULT), H5Gclose, "open progress group");
  m_merge_in_progress = H5Aexists(group.get(), schema::progress::merge_in_progress) > 0;
  m_shard = read_string_attribute(group.get(), schema::progress::shard);
  while (has_link(file, schema::done_path(m_problems))) {
    ++m_problems;
  }
}

std::optional<std::string> progress_reader::problem_name(std::size_t problem_index) const {
  const std::string path = schema::done_path(problem_index);
  const handle record =
      handle(H5Dopen2(m_file, path.c_str(), H5P_DEFAULT), H5Dclose, "open " + path);
  return read_string_attribute(record.get(), schema::progress::record_problem);
}

std::vector<std::uint8_t> read_done_flags(hid_t file, std::size_t problem_index) {
  return read_bytes(file, schema::done_path(problem_index));
}

done_record progress_reader::record(std::size_t problem_index) const {
  const std::string path = schema::done_path(problem_index);
  done_record r;
  r.done = read_done_flags(m_file, problem_index);
  const handle record = dataset(H5Dopen2(m_file, path.c_str(), H5P_DEFAULT), "open " + path);
  const attribute_value variables =
      read_attribute(record.get(), schema::progress::record_variables);
  const auto* names = std::get_if<std::vector<std::string>>(&variables.values);
  if (names == nullptr || names->empty()) {
    throw io_error("HDF5: progress record '" + path + "' names no variables");
  }
  r.variables = *names;
  const bool flags =
      std::all_of(r.done.begin(), r.done.end(), [](std::uint8_t x) { return x <= 1; });
  for (const std::string& name : r.variables) {
    const handle v = dataset(H5Dopen2(m_file, name.c_str(), H5P_DEFAULT), "open '" + name + "'");
    const handle space = dataspace(H5Dget_space(v.get()), "space of '" + name + "'");
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    const std::vector<hsize_t> chunk = chunk_shape(v.get());
    const bool gridded = chunk.size() == dims.size() && dims.size() <= max_rank;
    const auto chunks =
        gridded ? static_cast<std::size_t>(box_grid(grid_box(dims), chunk).count()) : 0;
    if (r.done.size() != chunks || !flags) {
      std::string message = "HDF5: progress record '" + path + "' does not hold one 0 or 1 ";
      message += "per chunk of '" + name + "' (" + std::to_string(chunks) + " chunks)";
      throw io_error(message);
    }
  }
  return r;
}

} // namespace scalesweep::h5
