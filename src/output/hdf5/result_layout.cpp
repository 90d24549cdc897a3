// The result file's skeleton: root attributes, coordinates, chunked variables, progress record.
#include "output/hdf5/result_layout.hpp"

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/math/status.hpp"
#include "scalesweep/version.hpp"

#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "plan/work_plan.hpp"

#include <hdf5_hl.h>
#if SCALESWEEP_HAVE_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>

namespace scalesweep::h5 {

namespace {

template <class Int>
std::string shape_text(const std::vector<Int>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + ")";
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_root_attributes(hid_t f, const sweep_plan& plan, const run_metadata& meta) {
  const sweep_config& c = plan.config;
  write_attribute(f, "title", c.title);
  write_attribute(f, "scalesweep_version", std::string(scalesweep_version));
  write_attribute(f, "scalesweep_format_version", result_format_version);
  const auto given_or = [](const std::string& given, const std::string& otherwise) {
    return given.empty() ? otherwise : given;
  };
  write_attribute(f, "git_revision", given_or(meta.git_revision, scalesweep_git_revision));
  write_attribute(f, "created", given_or(meta.created, utc_now_iso8601()));
  write_attribute(f, "command_line", meta.command_line);
  write_attribute(f, "backend", meta.backend);
  write_attribute(f, "config", c.text);
  write_attribute(f, "config_path", given_or(meta.config_path, c.source_name));
  write_attribute(f, "law_preset", c.law.preset);
  std::string overrides; // the constants given beside the preset, space-separated
  for (const std::string& name : c.law.overrides) {
    overrides += (overrides.empty() ? "" : " ") + name;
  }
  write_attribute(f, "law_overrides", overrides);
  write_attribute(f, "law_E", c.law.law.E);
  write_attribute(f, "law_A", c.law.law.A);
  write_attribute(f, "law_B", c.law.law.B);
  write_attribute(f, "law_alpha", c.law.law.alpha);
  write_attribute(f, "law_beta", c.law.law.beta);
  write_attribute(f, "objective", std::string(to_string(c.objective)));
  write_attribute(f, "cost_units", std::string(cost_units(c.objective)));
}

// One array per resolved number, indexed like the hardware dimension.
void write_hardware_attributes(hid_t f, const sweep_plan& plan) {
  std::vector<double> k_train, k_inference;
  for (const cost_coefficients& k : plan.hardware_coefficients) {
    k_train.push_back(k.train);
    k_inference.push_back(k.inference);
  }
  write_attribute(f, "hardware_names", plan.hardware_names);
  write_attribute(f, "hardware_cost_per_train_flop", k_train);
  write_attribute(f, "hardware_cost_per_inference_flop", k_inference);
  const std::vector<hardware_scenario>& hw = plan.config.hardware;
  if (hw.empty()) {
    return;
  }
  const auto strings = [&](auto field) {
    std::vector<std::string> v;
    v.reserve(hw.size());
    for (const hardware_scenario& h : hw) {
      v.push_back(field(h));
    }
    return v;
  };
  const auto numbers = [&](auto field) {
    std::vector<double> v;
    v.reserve(hw.size());
    for (const hardware_scenario& h : hw) {
      v.push_back(field(h));
    }
    return v;
  };
  using H = const hardware_scenario&;
  write_attribute(f, "hardware_preset", strings([](H h) { return h.preset; }));
  write_attribute(f, "hardware_train_gpu", strings([](H h) { return h.train.gpu; }));
  write_attribute(f, "hardware_train_dtype", strings([](H h) { return h.train.dtype; }));
  write_attribute(f, "hardware_train_peak_flops", numbers([](H h) { return h.train.peak_flops; }));
  write_attribute(f, "hardware_train_mfu", numbers([](H h) { return h.train.mfu; }));
  write_attribute(f, "hardware_train_usd_per_hour",
                  numbers([](H h) { return h.train.usd_per_hour; }));
  write_attribute(f, "hardware_serve_gpu", strings([](H h) { return h.serve.gpu; }));
  write_attribute(f, "hardware_serve_dtype", strings([](H h) { return h.serve.dtype; }));
  write_attribute(f, "hardware_serve_peak_flops", numbers([](H h) { return h.serve.peak_flops; }));
  write_attribute(f, "hardware_serve_prefill_mfu",
                  numbers([](H h) { return h.serve.prefill_mfu; }));
  write_attribute(f, "hardware_serve_decode_mfu", numbers([](H h) { return h.serve.decode_mfu; }));
  write_attribute(f, "hardware_serve_usd_per_hour",
                  numbers([](H h) { return h.serve.usd_per_hour; }));
  write_attribute(f, "hardware_serve_input_tokens",
                  numbers([](H h) { return h.serve.input_tokens; }));
  write_attribute(f, "hardware_serve_output_tokens",
                  numbers([](H h) { return h.serve.output_tokens; }));
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

coordinates write_coordinates(hid_t file, const sweep_plan& plan) {
  coordinates c;
  for (const axis& a : plan.axes) {
    handle ds;
    if (a.id == axis_id::hardware) {
      const std::vector<std::int32_t> index(a.values.begin(), a.values.end());
      ds = write_coordinate(file, a.name, index);
    } else {
      ds = write_coordinate(file, a.name, a.values);
    }
    write_attribute(ds.get(), "units", a.units);
    write_attribute(ds.get(), "long_name", a.long_name);
    write_attribute(ds.get(), "spacing", a.spacing);
    c.scales.emplace_back(a.id, std::move(ds));
  }
  const handle names = write_strings(file, "hardware_name", plan.hardware_names);
  write_attribute(names.get(), "long_name", std::string("hardware scenario name"));
  c.attach(names.get(), "hardware_name", {axis_id::hardware});
  return c;
}

void create_variables(hid_t file, const sweep_plan& plan, const problem_plan& p,
                      const coordinates& coords, chunk_allocation allocation) {
  const std::vector<hsize_t> shape(p.shape.begin(), p.shape.end());
  const std::vector<hsize_t> chunk(p.chunk_shape.begin(), p.chunk_shape.end());
  const handle space = dataspace(
      H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "variable space");
  const bool deflate = plan.config.output.compression == compression_kind::deflate;
  for (const variable_info& v : p.outputs) {
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
    write_attribute(ds.get(), "units", v.units);
    write_attribute(ds.get(), "long_name", v.long_name);
    if (is_float && v.stored_as_float32) {
      write_attribute(ds.get(), "_FillValue", std::numeric_limits<float>::quiet_NaN());
    } else if (is_float) {
      write_attribute(ds.get(), "_FillValue", std::numeric_limits<double>::quiet_NaN());
    } else {
      std::vector<std::uint8_t> flags(cell_status_count);
      for (int i = 0; i < cell_status_count; ++i) {
        flags[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
      }
      write_attribute(ds.get(), "flag_values", flags);
      write_attribute(ds.get(), "flag_meanings", std::string(cell_status_flag_meanings));
    }
    coords.attach(ds.get(), v.name, p.dims);
  }
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

std::string done_path(std::size_t problem_index) {
  return std::string(progress_group) + "/done_" + std::to_string(problem_index);
}

done_record read_done_record(hid_t file, const std::string& path) {
  done_record r;
  r.done = read_bytes(file, path);
  const handle record = dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open " + path);
  const attribute_value variables = read_attribute(record.get(), "variables");
  const auto* names = std::get_if<std::vector<std::string>>(&variables.values);
  if (names == nullptr || names->empty()) {
    throw io_error("HDF5: progress record '" + path + "' names no variables");
  }
  r.variables = *names;
  const bool flags =
      std::all_of(r.done.begin(), r.done.end(), [](std::uint8_t x) { return x <= 1; });
  for (const std::string& name : r.variables) {
    const handle v = dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open '" + name + "'");
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

void create_result_skeleton(hid_t file, const sweep_plan& plan, const shard_spec& shard,
                            const run_metadata& meta, chunk_allocation allocation) {
  write_root_attributes(file, plan, meta);
  if (!shard.whole()) {
    // Visible to every reader (xarray's attrs): cells of the other shards are no results (they
    // read NaN and not_computed in a serial run's part, 0 and ok in one MPI ranks allocated).
    write_attribute(file, "shard",
                    shard.text() + ": this file holds one part of a sharded run; cells outside "
                                   "it are not computed. Join the parts with `scalesweep merge`.");
  }
  write_hardware_attributes(file, plan);
  const coordinates coords = write_coordinates(file, plan);
  for (const problem_plan& p : plan.problems) {
    create_variables(file, plan, p, coords, allocation);
  }
  // The progress record lives in a group of its own: readers of the results never see it.
  const handle group =
      handle(H5Gcreate2(file, progress_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create progress group");
  write_attribute(group.get(), "long_name",
                  std::string("scalesweep run progress: 1 per HDF5 chunk written and flushed"));
  write_attribute(group.get(), "shard", shard.text());
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(plan.problems[p].chunk_count()),
                                          0);
    const handle ds = write_bytes(file, done_path(p), zeros);
    write_attribute(ds.get(), "problem", plan.problems[p].name);
    std::vector<std::string> variables;
    for (const variable_info& v : plan.problems[p].outputs) {
      variables.push_back(v.name);
    }
    write_attribute(ds.get(), "variables", variables);
  }
}

namespace {

void check_resumable_unguarded(hid_t file, const std::string& path, const sweep_plan& plan,
                               const shard_spec& shard) {
  const std::string hint = "delete " + path + " to start over";
  const auto format = read_int64_attribute(file, "scalesweep_format_version");
  if (!format || *format != result_format_version || !has_link(file, progress_group)) {
    throw input_error("--resume: " + path + " is not a resumable scalesweep result", hint);
  }
  const auto version = read_string_attribute(file, "scalesweep_version");
  if (version != std::string(scalesweep_version)) {
    throw input_error("--resume: " + path + " was written by scalesweep " + version.value_or("?") +
                          ", this is " + scalesweep_version,
                      "finish it with that version, or " + hint);
  }
  if (read_string_attribute(file, "config") != plan.config.text) {
    throw input_error("--resume: the config's text differs from the text the interrupted run "
                      "stored in " +
                          path + " (every change counts, comments and spacing too)",
                      "restore the config it ran with (stored in its 'config' attribute), or " +
                          hint);
  }
  const handle group =
      handle(H5Gopen2(file, progress_group, H5P_DEFAULT), H5Gclose, "open progress group");
  if (H5Aexists(group.get(), "merge_in_progress") > 0) {
    throw input_error("--resume: " + path + " was left by a merge that was killed, not by a run",
                      "delete it and run the merge again");
  }
  const auto written_shard = read_string_attribute(group.get(), "shard");
  if (written_shard != shard.text()) {
    throw input_error("--resume: " + path + " holds shard " + written_shard.value_or("?") +
                          ", not " + shard.text(),
                      "pass the same --shard as the interrupted run");
  }
  // The config text alone does not fix the problems: --optima-only drops the dense grids.
  std::size_t records = 0;
  while (has_link(file, done_path(records))) {
    ++records;
  }
  for (std::size_t p = 0; p < std::max(records, plan.problems.size()); ++p) {
    const handle record = p < records ? handle(H5Dopen2(file, done_path(p).c_str(), H5P_DEFAULT),
                                               H5Dclose, "open " + done_path(p))
                                      : handle();
    const std::string written =
        p < records ? read_string_attribute(record.get(), "problem").value_or("?") : "nothing";
    const std::string wanted = p < plan.problems.size() ? plan.problems[p].name : "nothing";
    if (written != wanted ||
        (p < records && read_done_record(file, done_path(p)).done.size() !=
                            static_cast<std::size_t>(plan.problems[p].chunk_count()))) {
      std::string message = "--resume: " + path;
      message += " holds the " + written;
      message += " where this run computes the " + wanted;
      throw input_error(message,
                        "resume with the flags of the interrupted run (--optima-only or not), or " +
                            hint);
    }
  }
  // The progress records count chunks: they mean the same cells only in the same chunk layout,
  // which a build of another revision may choose differently for the same config.
  for (const problem_plan& p : plan.problems) {
    const std::string& name = p.outputs.front().name;
    const handle ds = handle(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
    const std::vector<hsize_t> stored = chunk_shape(ds.get());
    if (stored != std::vector<hsize_t>(p.chunk_shape.begin(), p.chunk_shape.end())) {
      std::string message = "--resume: ";
      message += path;
      message += " stores '" + name + "' in chunks of " + shape_text(stored);
      message += " cells, this build plans " + shape_text(p.chunk_shape);
      std::string fix = "finish it with the build that started it (git revision in its ";
      fix += "'git_revision' attribute), or " + hint;
      throw input_error(message, fix);
    }
  }
}

} // namespace

void check_resumable(hid_t file, const std::string& path, const sweep_plan& plan,
                     const shard_spec& shard) {
  reading_input_file(path, [&] { check_resumable_unguarded(file, path, plan, shard); });
}

bool resumable_in_place(hid_t file, const sweep_plan& plan) {
  for (const problem_plan& p : plan.problems) {
    for (const variable_info& v : p.outputs) {
      const handle ds =
          dataset(H5Dopen2(file, v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'");
      const handle dcpl = property_list(H5Dget_create_plist(ds.get()), "creation list");
      H5D_alloc_time_t when = H5D_ALLOC_TIME_ERROR;
      check(H5Pget_alloc_time(dcpl.get(), &when), "allocation time of '" + v.name + "'");
      if (H5Pget_nfilters(dcpl.get()) != 0 || when != H5D_ALLOC_TIME_EARLY) {
        return false;
      }
    }
  }
  return true;
}

} // namespace scalesweep::h5
