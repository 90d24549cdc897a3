// The result file's skeleton: root attributes, coordinates, chunked variables, progress record.
#include "output/hdf5/result_layout.hpp"

#include "scalesweep/math/status.hpp"
#include "scalesweep/version.hpp"

#include "common/text_format.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/schema.hpp"
#include "plan/sweep_terms.hpp"
#include "plan/work_assignment.hpp"

#include <hdf5_hl.h>
#if SCALESWEEP_HAVE_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>

namespace scalesweep::h5 {

namespace {

void write_root_attributes(hid_t f, const sweep_plan& plan, const run_metadata& meta) {
  const sweep_config& c = plan.config;
  write_attribute(f, schema::root::conventions, std::string(schema::cf_conventions));
  write_attribute(f, schema::root::title, c.title);
  write_attribute(f, schema::root::scalesweep_version, std::string(scalesweep_version));
  write_attribute(f, schema::root::format_version, schema::format_version);
  const auto given_or = [](const std::string& given, const std::string& otherwise) {
    return given.empty() ? otherwise : given;
  };
  write_attribute(f, schema::root::git_revision,
                  given_or(meta.git_revision, scalesweep_git_revision));
  write_attribute(f, schema::root::created, given_or(meta.created, utc_now_iso8601()));
  write_attribute(f, schema::root::command_line, meta.command_line);
  write_attribute(f, schema::root::backend, meta.backend);
  write_attribute(f, schema::root::config, c.text);
  write_attribute(f, schema::root::config_path, given_or(meta.config_path, c.source_name));
  write_attribute(f, schema::root::law_preset, c.law.preset);
  std::string overrides; // the constants given beside the preset, space-separated
  for (const std::string& name : c.law.overrides) {
    overrides += (overrides.empty() ? "" : " ") + name;
  }
  write_attribute(f, schema::root::law_overrides, overrides);
  for (const law_constant& constant : law_constants) {
    write_attribute(f, schema::law_attribute(constant), c.law.law.*constant.member);
  }
  write_attribute(f, schema::root::objective, std::string(to_string(c.objective)));
  write_attribute(f, schema::root::cost_units, std::string(cost_units(c.objective)));
}

// One array per resolved number, in the order of the hardware coordinate.
void write_hardware_attributes(hid_t f, const sweep_plan& plan) {
  std::vector<double> k_train, k_inference;
  for (const cost_coefficients& k : plan.hardware_coefficients) {
    k_train.push_back(k.train);
    k_inference.push_back(k.inference);
  }
  write_attribute(f, schema::root::hardware_cost_per_train_flop, k_train);
  write_attribute(f, schema::root::hardware_cost_per_inference_flop, k_inference);
  const std::vector<hardware_scenario>& hw = plan.config.hardware;
  if (hw.empty()) {
    return;
  }
  // Each field over the scenarios, as the field's member (text or number) of each scenario.
  const auto over_scenarios = [&](auto field_of) {
    std::vector<std::decay_t<decltype(field_of(hw.front()))>> v;
    v.reserve(hw.size());
    for (const hardware_scenario& h : hw) {
      v.push_back(field_of(h));
    }
    return v;
  };
  write_attribute(f, schema::root::hardware_preset,
                  over_scenarios([](const hardware_scenario& h) { return h.preset; }));
  for_each_hardware_side([&](auto side) {
    for (const auto& field : side.resolved_fields()) {
      const std::string name = schema::hardware_attribute(side.name, field.key);
      if (field.text != nullptr) {
        write_attribute(f, name, over_scenarios([&](const hardware_scenario& h) {
                          return side.of(h).*field.text;
                        }));
      } else {
        write_attribute(f, name, over_scenarios([&](const hardware_scenario& h) {
                          return side.of(h).*field.number;
                        }));
      }
    }
  });
}

struct coordinates {
  std::vector<std::pair<axis_id, handle>> scales;

  hid_t of(axis_id id) const {
    for (const auto& [cid, ds] : scales) {
      if (cid == id) {
        return ds.get();
      }
    }
    return H5I_INVALID_HID;
  }

  void attach(hid_t variable, const std::string& name, const std::vector<axis_id>& dims) const {
    for (std::size_t d = 0; d < dims.size(); ++d) {
      check(H5DSattach_scale(variable, of(dims[d]), static_cast<unsigned>(d)),
            "attach dimension '" + std::string(axis_name(dims[d])) + "' to '" + name + "'");
    }
  }
};

// Numeric axes hold their values; hardware holds the scenario names (variable-length UTF-8:
// with fixed-length strings netCDF-C reads wrong values), so readers select scenarios by name.
coordinates write_coordinates(hid_t file, const sweep_plan& plan) {
  coordinates c;
  for (const axis& a : plan.axes) {
    const bool names = a.id == axis_id::hardware;
    handle ds = names ? write_coordinate(file, a.name, plan.hardware_names)
                      : write_coordinate(file, a.name, a.values);
    if (!a.units.empty()) {
      write_attribute(ds.get(), schema::variable::units, a.units);
    }
    write_attribute(ds.get(), schema::variable::long_name, a.long_name);
    write_attribute(ds.get(), schema::variable::spacing, a.spacing);
    c.scales.emplace_back(a.id, std::move(ds));
  }
  return c;
}

void create_variables(hid_t file, const sweep_plan& plan, const problem_grid& p,
                      const coordinates& coords, chunk_allocation allocation) {
  const bool deflate = plan.config.output.compression == compression_kind::deflate;
  for (const variable_info& v : p.outputs) {
    const std::vector<std::int64_t> v_shape = variable_shape(v, p.shape);
    const std::vector<std::int64_t> v_chunk = variable_shape(v, p.chunk_shape);
    const std::vector<hsize_t> shape(v_shape.begin(), v_shape.end());
    const std::vector<hsize_t> chunk(v_chunk.begin(), v_chunk.end());
    const handle space = dataspace(
        H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "variable space");
    const bool is_float = v.type == value_type::f64;
    const handle dcpl = property_list(H5Pcreate(H5P_DATASET_CREATE), "dataset creation list");
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
          "chunk '" + v.name + "'");
    hid_t file_type = H5T_STD_U8LE;
    if (is_float && v.stored_as_float32) {
      const float fill = NAN;
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_FLOAT, &fill), "fill value");
      file_type = H5T_IEEE_F32LE;
    } else if (is_float) {
      const double fill = NAN;
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill), "fill value");
      file_type = H5T_IEEE_F64LE;
    } else {
      // What a status reads where no run wrote (not the CF _FillValue attribute, which would
      // make xarray turn the variable into floats: ECOSYSTEM.md).
      const auto fill = static_cast<std::uint8_t>(cell_status::not_computed);
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_UINT8, &fill), "fill value");
    }
    if (deflate) {
      // The pipeline that chunk_encoder applies, recorded so that every reader can undo it.
      check(H5Pset_shuffle(dcpl.get()), "shuffle filter");
      check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(plan.config.output.deflate_level)),
            "deflate filter");
      if (allocation == chunk_allocation::all_now) {
        check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "allocation time");
        check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC), "fill time");
      }
    } else if (allocation == chunk_allocation::sparse) {
      // Space for the chunks written only: a shard part's other cells take none and read as the
      // fill values (NaN, not_computed). Resuming rebuilds such a file (partial_rebuild.hpp).
      check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_INCR), "allocation time");
    } else {
      // Every chunk gets its place now: later writes change no metadata (a crash between
      // checkpoints cannot damage the file) and MPI-IO writes need it. No fill is written: every
      // chunk of a finished whole run is written by it, and filling a part's other chunks would
      // cost the whole grid's disk (they read 0, status ok: the `shard` attribute says so).
      check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "allocation time");
      check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "fill time");
    }
    const handle ds = dataset(H5Dcreate2(file, v.name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                         dcpl.get(), H5P_DEFAULT),
                              "create '" + v.name + "'");
    write_attribute(ds.get(), schema::variable::units, v.units);
    write_attribute(ds.get(), schema::variable::long_name, v.long_name);
    if (is_float && v.stored_as_float32) {
      write_attribute(ds.get(), schema::variable::fill_value,
                      std::numeric_limits<float>::quiet_NaN());
    } else if (is_float) {
      write_attribute(ds.get(), schema::variable::fill_value,
                      std::numeric_limits<double>::quiet_NaN());
    } else {
      std::vector<std::uint8_t> flags;
      for (const cell_status_info& status : cell_statuses) {
        flags.push_back(static_cast<std::uint8_t>(status.code));
      }
      write_attribute(ds.get(), schema::variable::flag_values, flags);
      write_attribute(ds.get(), schema::variable::flag_meanings,
                      std::string(cell_status_flag_meanings));
    }
    coords.attach(ds.get(), v.name,
                  v.without_first_dim ? std::vector<axis_id>(p.dims.begin() + 1, p.dims.end())
                                      : p.dims);
  }
}

// SPEC §5.2's variables under [constraints]: opt_N_max(hardware) and, with the loss-target
// optima, chinchilla_fits(hardware, T, loss_target). Both follow from the config alone (the
// per-axis terms the cells read), so they are written here whole, contiguous, never by tiles.
void write_serving_variables(hid_t file, const sweep_plan& plan, const coordinates& coords) {
  if (!plan.config.constraints) {
    return;
  }
  const sweep_terms terms = make_sweep_terms(plan);
  std::vector<double> N_max;
  for (const serving_limit& limit : terms.serving_limits) {
    N_max.push_back(limit.N_max);
  }
  const handle n_max = write_doubles(file, schema::serving::N_max, N_max);
  write_attribute(n_max.get(), schema::variable::units, std::string("1"));
  write_attribute(n_max.get(), schema::variable::long_name,
                  std::string(schema::serving::N_max_long_name));
  coords.attach(n_max.get(), schema::serving::N_max, {axis_id::hardware});
  const bool loss_targets =
      std::any_of(plan.problems.begin(), plan.problems.end(),
                  [](const problem_grid& p) { return p.kind == problem_kind::loss_target; });
  if (!loss_targets) {
    return;
  }
  // Per scenario a slab of T values at a time (at most about 16 MiB), each row the targets'
  // verdicts.
  const auto H = static_cast<hsize_t>(terms.serving_limits.size());
  const auto T = static_cast<hsize_t>(plan.find_axis(axis_id::T)->values.size());
  const auto L = static_cast<hsize_t>(terms.loss_targets.size());
  const hsize_t shape[3] = {H, T, L};
  const handle space = dataspace(H5Screate_simple(3, shape, nullptr), "chinchilla_fits space");
  const std::string name = schema::serving::chinchilla_fits;
  const handle ds = dataset(H5Dcreate2(file, name.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT),
                            "create '" + name + "'");
  const hsize_t rows_per_slab = std::max<hsize_t>(1, (hsize_t{16} << 20) / std::max<hsize_t>(L, 1));
  std::vector<std::uint8_t> slab;
  for (hsize_t h = 0; h < H; ++h) {
    for (hsize_t t0 = 0; t0 < T; t0 += rows_per_slab) {
      const hsize_t rows = std::min(rows_per_slab, T - t0);
      slab.resize(static_cast<std::size_t>(rows * L));
      for (hsize_t t = 0; t < rows; ++t) {
        for (hsize_t l = 0; l < L; ++l) {
          slab[static_cast<std::size_t>(t * L + l)] =
              terms.loss_target_bounds[static_cast<std::size_t>(h * L + l)].chinchilla_fits ? 1 : 0;
        }
      }
      const hsize_t offset[3] = {h, t0, 0};
      const hsize_t count[3] = {1, rows, L};
      const handle memory = dataspace(H5Screate_simple(3, count, nullptr), "slab space");
      check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, offset, nullptr, count, nullptr),
            "select a slab of '" + name + "'");
      check(
          H5Dwrite(ds.get(), H5T_NATIVE_UINT8, memory.get(), space.get(), H5P_DEFAULT, slab.data()),
          "write '" + name + "'");
    }
  }
  write_attribute(ds.get(), schema::variable::units, std::string("1"));
  write_attribute(ds.get(), schema::variable::long_name,
                  std::string(schema::serving::chinchilla_fits_long_name));
  coords.attach(ds.get(), name, {loss_target_axes, loss_target_axes + 3});
}

} // namespace

handle create_file(const std::string& path) {
  const handle fcpl = property_list(H5Pcreate(H5P_FILE_CREATE), "file creation list");
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "track link creation order");
  check(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "track attribute creation order");
  const handle fapl = file_access(false);
  return file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
              "create '" + path + "'");
}

handle file_access(bool mpi) {
  handle fapl = property_list(H5Pcreate(H5P_FILE_ACCESS), "file access list");
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
        "set library version bounds");
#if SCALESWEEP_HAVE_MPI
  if (mpi) {
    check(H5Pset_fapl_mpio(fapl.get(), MPI_COMM_WORLD, MPI_INFO_NULL), "MPI-IO file access");
  }
#else
  (void)mpi;
#endif
  return fapl;
}

void create_result_skeleton(hid_t file, const sweep_plan& plan, const shard_spec& shard,
                            const run_metadata& meta, chunk_allocation allocation) {
  write_root_attributes(file, plan, meta);
  if (!shard.whole()) {
    // Visible to every reader (xarray's attrs): cells of the other shards are no results (they
    // read NaN and not_computed in a serial run's part, 0 and ok in one MPI ranks allocated).
    write_attribute(file, schema::root::shard,
                    shard.text() + ": this file holds one part of a sharded run; cells outside "
                                   "it are not computed. Join the parts with `scalesweep merge`.");
  }
  write_hardware_attributes(file, plan);
  const coordinates coords = write_coordinates(file, plan);
  for (const problem_grid& p : plan.problems) {
    create_variables(file, plan, p, coords, allocation);
  }
  write_serving_variables(file, plan, coords);
  create_progress_record(file, plan, shard);
}

} // namespace scalesweep::h5
