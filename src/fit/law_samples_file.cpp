// Writing the law-samples HDF5 file (law_samples_file.hpp) with the project's RAII handles.
#include "fit/law_samples_file.hpp"

#include "scalesweep/version.hpp"

#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/rename_into_place.hpp"

#include <hdf5_hl.h>

#include <chrono>
#include <cmath>
#include <ctime>

namespace scalesweep {

namespace {

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A 1-D float64 variable over `sample`, with its scale attached (xarray needs every axis named).
void write_variable(hid_t file, hid_t sample_scale, const std::string& name,
                    const std::vector<double>& values, const std::string& long_name) {
  const hsize_t dims[1] = {values.size()};
  const h5::handle space = h5::dataspace(H5Screate_simple(1, dims, nullptr), "space of " + name);
  const h5::handle ds = h5::dataset(H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, space.get(),
                                               H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                    "create '" + name + "'");
  if (!values.empty()) {
    h5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              "write '" + name + "'");
  }
  h5::write_attribute(ds.get(), "long_name", long_name);
  h5::check(H5DSattach_scale(ds.get(), sample_scale, 0), "attach 'sample' to '" + name + "'");
}

void write_status(hid_t file, hid_t sample_scale, const std::vector<fit_result>& samples) {
  std::vector<std::uint8_t> status;
  for (const fit_result& r : samples) {
    status.push_back(static_cast<std::uint8_t>(r.status));
  }
  const h5::handle ds = h5::write_bytes(file, "status", status);
  h5::write_attribute(ds.get(), "long_name", std::string("how the resample's fit ended"));
  h5::write_attribute(ds.get(), "flag_values", std::vector<std::uint8_t>{0, 1, 2, 3, 4});
  h5::write_attribute(ds.get(), "flag_meanings",
                      std::string("gradient objective stalled max_iterations not_finite"));
  h5::check(H5DSattach_scale(ds.get(), sample_scale, 0), "attach 'sample' to 'status'");
}

void write_int64_array(hid_t object, const std::string& name, const std::vector<std::int64_t>& v) {
  const hsize_t dims[1] = {v.size()};
  const h5::handle space = h5::dataspace(H5Screate_simple(1, dims, nullptr), "attribute space");
  const h5::handle a = h5::attribute(
      H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      "create attribute '" + name + "'");
  if (!v.empty()) {
    h5::check(H5Awrite(a.get(), H5T_NATIVE_INT64, v.data()), "write attribute '" + name + "'");
  }
}

void write_file(const std::string& path, const fit_data& data, const point_estimate& estimate,
                const std::vector<fit_result>& samples, const law_samples_provenance& p) {
  h5::handle f = h5::create_file(path);
  const hid_t root = f.get();
  h5::write_attribute(root, "file_kind", std::string(law_samples_file_kind));
  h5::write_attribute(root, "scalesweep_format_version", law_samples_format_version);
  h5::write_attribute(root, "scalesweep_version", std::string(scalesweep_version));
  h5::write_attribute(root, "git_revision", std::string(scalesweep_git_revision));
  h5::write_attribute(root, "created", utc_now_iso8601());
  h5::write_attribute(root, "command_line", p.command_line);
  h5::write_attribute(root, "backend", p.backend);
  // The estimate, in the law's own constants and as fitted (log space).
  const fit_result& e = estimate.best;
  h5::write_attribute(root, "estimate_E", std::exp(e.x[param_e]));
  h5::write_attribute(root, "estimate_A", std::exp(e.x[param_a]));
  h5::write_attribute(root, "estimate_B", std::exp(e.x[param_b]));
  h5::write_attribute(root, "estimate_alpha", e.x[param_alpha]);
  h5::write_attribute(root, "estimate_beta", e.x[param_beta]);
  h5::write_attribute(root, "estimate_objective", e.objective);
  h5::write_attribute(root, "estimate_log_parameters",
                      std::vector<double>(e.x, e.x + law_parameters));
  if (p.method == "huber-mle") {
    h5::write_attribute(root, "estimate_sigma", std::exp(e.x[param_s]));
  }
  h5::write_attribute(root, "starts", std::int64_t{estimate.starts});
  h5::write_attribute(root, "starts_reaching_best", std::int64_t{estimate.reached});
  h5::write_attribute(root, "start_points", p.starts);
  // How: the method and the resampling.
  h5::write_attribute(root, "method", p.method);
  h5::write_attribute(root, "delta", p.delta);
  h5::write_attribute(root, "bootstrap_samples", static_cast<std::int64_t>(samples.size()));
  h5::write_attribute(root, "bootstrap_seed", static_cast<std::int64_t>(p.seed));
  h5::write_attribute(root, "bootstrap_starts", p.bootstrap_starts);
  h5::write_attribute(root, "rng",
                      std::string("Philox4x32-10, key = seed, counter = (block, "
                                  "sample, 0); Lemire's unbiased bounded integers"));
  // From what: the data file and which of its rows.
  h5::write_attribute(root, "data_file", p.data_file);
  h5::write_attribute(root, "data_sha256", p.data_sha256);
  h5::write_attribute(root, "N_column", p.N_column);
  if (!p.flops_column.empty()) {
    h5::write_attribute(root, "flops_column", p.flops_column);
  } else {
    h5::write_attribute(root, "D_column", p.D_column);
  }
  h5::write_attribute(root, "loss_column", p.loss_column);
  h5::write_attribute(root, "exclude_highest_loss", std::int64_t{p.exclude_highest_loss});
  write_int64_array(root, "excluded_rows", p.excluded_rows);
  h5::write_attribute(root, "n_points", std::int64_t{data.size()});

  std::vector<std::int32_t> index(samples.size());
  for (std::size_t s = 0; s < samples.size(); ++s) {
    index[s] = static_cast<std::int32_t>(s);
  }
  const h5::handle scale = h5::write_coordinate(root, "sample", index);
  h5::write_attribute(scale.get(), "long_name", std::string("bootstrap resample"));
  const auto column = [&](auto value) {
    std::vector<double> v;
    v.reserve(samples.size());
    for (const fit_result& r : samples) {
      v.push_back(value(r));
    }
    return v;
  };
  write_variable(root, scale.get(), "E",
                 column([](const fit_result& r) { return std::exp(r.x[param_e]); }),
                 "irreducible loss E (nats/token)");
  write_variable(root, scale.get(), "A",
                 column([](const fit_result& r) { return std::exp(r.x[param_a]); }),
                 "parameter-term coefficient A");
  write_variable(root, scale.get(), "B",
                 column([](const fit_result& r) { return std::exp(r.x[param_b]); }),
                 "data-term coefficient B");
  write_variable(root, scale.get(), "alpha",
                 column([](const fit_result& r) { return r.x[param_alpha]; }),
                 "parameter exponent alpha");
  write_variable(root, scale.get(), "beta",
                 column([](const fit_result& r) { return r.x[param_beta]; }), "data exponent beta");
  write_variable(root, scale.get(), "objective",
                 column([](const fit_result& r) { return r.objective; }),
                 p.method == "huber-mle" ? "negative log-likelihood of the resample's fit"
                                         : "Huber objective of the resample's fit");
  if (p.method == "huber-mle") {
    write_variable(root, scale.get(), "sigma",
                   column([](const fit_result& r) { return std::exp(r.x[param_s]); }),
                   "scale of the Huber-shaped residual density");
  }
  write_status(root, scale.get(), samples);
  f.close("close '" + path + "'");
}

} // namespace

void write_law_samples(const std::string& path, const fit_data& data,
                       const point_estimate& estimate, const std::vector<fit_result>& samples,
                       const law_samples_provenance& provenance) {
  const std::string partial = path + ".partial";
  h5::write_then_rename(partial, path,
                        [&] { write_file(partial, data, estimate, samples, provenance); });
}

} // namespace scalesweep
