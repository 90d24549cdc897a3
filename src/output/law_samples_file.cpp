// Writing the law-samples HDF5 file (law_samples_file.hpp) with the project's RAII handles.
#include "output/law_samples_file.hpp"

#include "scalesweep/version.hpp"

#include "common/text_format.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/output_paths.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"
#include "plan/law_constants.hpp"

#include <hdf5_hl.h>

#include <cmath>

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

} // namespace scalesweep
