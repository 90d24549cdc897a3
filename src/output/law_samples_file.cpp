// Writing and reading the law-samples HDF5 file (law_samples_file.hpp) with the project's RAII
// handles.
#include "output/law_samples_file.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include "common/text_format.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/output_paths.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"
#include "plan/config.hpp"
#include "plan/law_constants.hpp"

#include <hdf5_hl.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <variant>

namespace scalesweep {

namespace {

// A 1-D float64 variable over `sample`, with its scale attached (xarray needs every axis named).
void write_variable(hid_t file, hid_t sample_scale, const std::string& name,
                    const std::vector<double>& values, const std::string& long_name) {
  const h5::handle ds = h5::write_doubles(file, name, values);
  h5::write_attribute(ds.get(), schema::variable::long_name, long_name);
  h5::check(H5DSattach_scale(ds.get(), sample_scale, 0), "attach 'sample' to '" + name + "'");
}

void write_status(hid_t file, hid_t sample_scale, const std::vector<fit_result>& samples) {
  std::vector<std::uint8_t> status;
  status.reserve(samples.size());
  for (const fit_result& r : samples) {
    status.push_back(static_cast<std::uint8_t>(r.status));
  }
  std::vector<std::uint8_t> flag_values;
  std::string flag_meanings;
  for (const minimize_status_info& m : minimize_statuses) {
    flag_values.push_back(static_cast<std::uint8_t>(m.code));
    flag_meanings += (flag_meanings.empty() ? "" : " ") + std::string(m.name);
  }
  namespace v = schema::variable;
  const h5::handle ds = h5::write_bytes(file, schema::law_samples::status, status);
  h5::write_attribute(ds.get(), v::long_name, std::string("how the resample's fit ended"));
  h5::write_attribute(ds.get(), v::flag_values, flag_values);
  h5::write_attribute(ds.get(), v::flag_meanings, flag_meanings);
  h5::check(H5DSattach_scale(ds.get(), sample_scale, 0), "attach 'sample' to 'status'");
}

void write_file(const std::string& path, const fit_result& e,
                const std::vector<fit_result>& samples, const law_samples_provenance& p) {
  namespace ls = schema::law_samples;
  namespace root_attr = schema::root;
  h5::handle f = h5::create_file(path);
  const hid_t root = f.get();
  const bool mle = p.method == "huber-mle";
  h5::write_attribute(root, ls::file_kind, std::string(ls::file_kind_value));
  h5::write_attribute(root, ls::format_version_attribute, ls::format_version);
  h5::write_attribute(root, root_attr::scalesweep_version, std::string(scalesweep_version));
  h5::write_attribute(root, root_attr::git_revision, std::string(scalesweep_git_revision));
  h5::write_attribute(root, root_attr::created, utc_now_iso8601());
  h5::write_attribute(root, root_attr::command_line, p.command_line);
  h5::write_attribute(root, root_attr::backend, p.backend);
  // The estimate, in the law's own constants and as fitted (log space).
  const scaling_law estimate = law_of_fit(e.x);
  for (const law_constant& c : law_constants) {
    h5::write_attribute(root, ls::estimate_prefix + std::string(c.name), estimate.*c.member);
  }
  h5::write_attribute(root, ls::estimate_objective, e.objective);
  h5::write_attribute(root, ls::estimate_log_parameters,
                      std::vector<double>(e.x, e.x + law_parameters));
  if (mle) {
    h5::write_attribute(root, ls::estimate_sigma, std::exp(e.x[param_s]));
  }
  h5::write_attribute(root, ls::starts, std::int64_t{p.start_count});
  h5::write_attribute(root, ls::starts_reaching_best, std::int64_t{p.starts_reaching_best});
  h5::write_attribute(root, ls::start_points, p.starts);
  // How: the method and the resampling.
  h5::write_attribute(root, ls::method, p.method);
  h5::write_attribute(root, ls::delta, p.delta);
  h5::write_attribute(root, ls::bootstrap_samples, static_cast<std::int64_t>(samples.size()));
  h5::write_attribute(root, ls::bootstrap_seed, static_cast<std::int64_t>(p.seed));
  h5::write_attribute(root, ls::bootstrap_starts, p.bootstrap_starts);
  h5::write_attribute(root, ls::rng,
                      std::string("Philox4x32-10, key = seed, counter = (block, "
                                  "sample, 0); Lemire's unbiased bounded integers"));
  // From what: the data file and which of its rows.
  h5::write_attribute(root, ls::data_file, p.data_file);
  h5::write_attribute(root, ls::data_sha256, p.data_sha256);
  h5::write_attribute(root, ls::N_column, p.N_column);
  if (!p.flops_column.empty()) {
    h5::write_attribute(root, ls::flops_column, p.flops_column);
  } else {
    h5::write_attribute(root, ls::D_column, p.D_column);
  }
  h5::write_attribute(root, ls::loss_column, p.loss_column);
  h5::write_attribute(root, ls::exclude_highest_loss, std::int64_t{p.exclude_highest_loss});
  h5::write_attribute(root, ls::excluded_rows, p.excluded_rows);
  h5::write_attribute(root, ls::n_points, p.n_points);

  std::vector<std::int32_t> index(samples.size());
  for (std::size_t s = 0; s < samples.size(); ++s) {
    index[s] = static_cast<std::int32_t>(s);
  }
  const h5::handle scale = h5::write_coordinate(root, ls::sample, index);
  h5::write_attribute(scale.get(), schema::variable::long_name, std::string("bootstrap resample"));
  const auto column = [&](auto value) {
    std::vector<double> v;
    v.reserve(samples.size());
    for (const fit_result& r : samples) {
      v.push_back(value(r));
    }
    return v;
  };
  for (const law_constant& c : law_constants) {
    write_variable(root, scale.get(), std::string(c.name),
                   column([&](const fit_result& r) { return law_of_fit(r.x).*c.member; }),
                   std::string(c.long_name));
  }
  write_variable(root, scale.get(), ls::objective,
                 column([](const fit_result& r) { return r.objective; }),
                 mle ? "negative log-likelihood of the resample's fit"
                     : "Huber objective of the resample's fit");
  if (mle) {
    write_variable(root, scale.get(), ls::sigma,
                   column([](const fit_result& r) { return std::exp(r.x[param_s]); }),
                   "scale of the Huber-shaped residual density");
  }
  write_status(root, scale.get(), samples);
  f.close("close '" + path + "'");
}

} // namespace

void write_law_samples(const std::string& path, const fit_result& estimate,
                       const std::vector<fit_result>& samples,
                       const law_samples_provenance& provenance) {
  const output_paths paths(path);
  h5::write_then_rename(paths.partial, paths.final_path,
                        [&] { write_file(paths.partial, estimate, samples, provenance); });
}

namespace {

// Reading a samples file: what a sweep under law uncertainty needs, checked.

std::vector<double> read_sample_variable(hid_t file, const std::string& path,
                                         const std::string& name, std::int64_t count) {
  if (!h5::has_link(file, name)) {
    throw input_error("'" + path + "' has no variable '" + name + "'",
                      "a samples file holds E, A, B, alpha and beta along 'sample'");
  }
  std::vector<double> v = h5::read_doubles(file, name);
  if (static_cast<std::int64_t>(v.size()) != count) {
    throw input_error("'" + path + "': '" + name + "' holds " + std::to_string(v.size()) +
                      " values, the file's 'sample' dimension " + std::to_string(count));
  }
  return v;
}

law_samples read_file(const std::string& path) {
  namespace ls = schema::law_samples;
  const h5::handle f = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, h5::file_access(false).get()),
                                "open '" + path + "'");
  const hid_t root = f.get();
  const std::optional<std::string> kind = h5::read_string_attribute(root, ls::file_kind);
  if (kind != std::string(ls::file_kind_value)) {
    throw input_error("'" + path + "' is not a law-samples file (its " + ls::file_kind + " is " +
                          (kind ? "'" + *kind + "'" : std::string("missing")) + ", not '" +
                          ls::file_kind_value + "')",
                      "make one with `scalesweep fit DATA.csv --bootstrap S -o LAW.h5`");
  }
  const std::optional<std::int64_t> version =
      h5::read_int64_attribute(root, ls::format_version_attribute);
  if (version != ls::format_version) {
    throw input_error("'" + path + "' is a law-samples file of format version " +
                          (version ? std::to_string(*version) : std::string("(none)")) +
                          "; this scalesweep reads version " + std::to_string(ls::format_version),
                      "regenerate it with this version's `scalesweep fit -o`");
  }
  const std::int64_t count = static_cast<std::int64_t>(h5::read_doubles(root, ls::sample).size());
  if (count == 0) {
    throw input_error(
        "'" + path + "' holds no samples (S = 0: it was written without --bootstrap)",
        "make samples with `scalesweep fit DATA.csv --bootstrap S -o LAW.h5`, S >= 1");
  }
  law_samples out;
  out.laws.assign(static_cast<std::size_t>(count), scaling_law{});
  for (const law_constant& c : law_constants) {
    const std::vector<double> v = read_sample_variable(root, path, std::string(c.name), count);
    for (std::int64_t s = 0; s < count; ++s) {
      const double x = v[static_cast<std::size_t>(s)];
      check_law_constant(
          c, x, "'" + path + "': " + std::string(c.name) + " of sample " + std::to_string(s));
      out.laws[static_cast<std::size_t>(s)].*c.member = x;
    }
    const std::string estimate = ls::estimate_prefix + std::string(c.name);
    const h5::attribute_value a = h5::read_attribute(root, estimate);
    const auto* numbers = std::get_if<std::vector<double>>(&a.values);
    if (numbers == nullptr || numbers->size() != 1) {
      throw input_error("'" + path + "': attribute '" + estimate + "' is not one number");
    }
    check_law_constant(c, numbers->front(), "'" + path + "': " + estimate);
    out.estimate.*c.member = numbers->front();
  }
  return out;
}

} // namespace

law_samples read_law_samples(const std::string& path) {
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw input_error("cannot read samples file '" + path + "': " +
                          (std::filesystem::exists(path) ? "not an HDF5 file" : "no such file"),
                      "[law] samples takes a `scalesweep fit -o` file or a samples preset "
                      "(`scalesweep presets`)");
  }
  try {
    return read_file(path);
  } catch (const io_error& e) {
    throw input_error("'" + path + "' cannot be read as a law-samples file: " + e.what());
  }
}

} // namespace scalesweep
