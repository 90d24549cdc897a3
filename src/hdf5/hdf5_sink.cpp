// The HDF5 result file of SPEC §4: coordinates as dimension scales, tile-shaped chunks, attributes.
#include "scalesweep/result_sink.hpp"
#include "scalesweep/status.hpp"
#include "scalesweep/version.hpp"

#include "../chunk_codec.hpp"
#include "h5_handle.hpp"
#include "h5_write.hpp"

#include <hdf5_hl.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <system_error>

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

class hdf5_sink final : public result_sink {
public:
  hdf5_sink(const sweep_plan& plan, std::string path, const run_metadata& meta,
            int compression_threads)
      : m_plan(plan), m_path(std::move(path)), m_partial(m_path + ".partial"),
        m_compression_threads(std::max(1, compression_threads)) {
    h5::silence_error_printing();
    std::error_code ec;
    std::filesystem::remove(m_partial, ec);
    m_file = create_file();
    write_root_attributes(meta);
    write_coordinates();
    for (const problem_plan& p : m_plan.problems) {
      m_variables.push_back(create_variables(p));
      std::vector<chunk_encoder> encoders;
      for (const variable_info& v : p.outputs) {
        encoders.emplace_back(v, p.chunk_shape, m_plan.config.output.compression,
                              m_plan.config.output.deflate_level);
      }
      m_encoders.push_back(std::move(encoders));
    }
  }

  std::int64_t bytes_written() const override { return m_bytes_written; }

  hdf5_sink(const hdf5_sink&) = delete;
  hdf5_sink& operator=(const hdf5_sink&) = delete;
  hdf5_sink(hdf5_sink&&) = delete;
  hdf5_sink& operator=(hdf5_sink&&) = delete;

  ~hdf5_sink() override {
    if (!m_finished) {
      m_variables.clear();
      m_coordinates.clear();
      m_file = h5::handle();
      std::error_code ec;
      std::filesystem::remove(m_partial, ec);
    }
  }

private:
  h5::handle create_file() const {
    const h5::handle fcpl = h5::property_list(H5Pcreate(H5P_FILE_CREATE), "file creation list");
    h5::check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
              "track link creation order");
    h5::check(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
              "track attribute creation order");
    const h5::handle fapl = h5::property_list(H5Pcreate(H5P_FILE_ACCESS), "file access list");
    h5::check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
              "set library version bounds");
    return h5::file(H5Fcreate(m_partial.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                    "create '" + m_partial + "'");
  }

  void write_root_attributes(const run_metadata& meta) const {
    const sweep_config& c = m_plan.config;
    const hid_t f = m_file.get();
    h5::write_attribute(f, "title", c.title);
    h5::write_attribute(f, "scalesweep_version", std::string(scalesweep_version));
    h5::write_attribute(f, "scalesweep_format_version", result_format_version);
    h5::write_attribute(f, "git_revision", std::string(scalesweep_git_revision));
    h5::write_attribute(f, "created", utc_now_iso8601());
    h5::write_attribute(f, "command_line", meta.command_line);
    h5::write_attribute(f, "backend", meta.backend);
    h5::write_attribute(f, "config", c.text);
    h5::write_attribute(f, "config_path", c.source_name);
    h5::write_attribute(f, "law_preset", c.law.preset);
    h5::write_attribute(f, "law_E", c.law.law.E);
    h5::write_attribute(f, "law_A", c.law.law.A);
    h5::write_attribute(f, "law_B", c.law.law.B);
    h5::write_attribute(f, "law_alpha", c.law.law.alpha);
    h5::write_attribute(f, "law_beta", c.law.law.beta);
    h5::write_attribute(f, "objective", std::string(to_string(c.objective)));
    h5::write_attribute(f, "cost_units", std::string(cost_units(c.objective)));
    write_hardware_attributes();
  }

  // One array per resolved number, indexed like the hardware dimension.
  void write_hardware_attributes() const {
    const hid_t f = m_file.get();
    std::vector<double> k_train, k_inference;
    for (const cost_coefficients& k : m_plan.hardware_coefficients) {
      k_train.push_back(k.train);
      k_inference.push_back(k.inference);
    }
    h5::write_attribute(f, "hardware_names", m_plan.hardware_names);
    h5::write_attribute(f, "hardware_cost_per_train_flop", k_train);
    h5::write_attribute(f, "hardware_cost_per_inference_flop", k_inference);
    const std::vector<hardware_scenario>& hw = m_plan.config.hardware;
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
    h5::write_attribute(f, "hardware_preset", strings([](H h) { return h.preset; }));
    h5::write_attribute(f, "hardware_train_gpu", strings([](H h) { return h.train.gpu; }));
    h5::write_attribute(f, "hardware_train_dtype", strings([](H h) { return h.train.dtype; }));
    h5::write_attribute(f, "hardware_train_peak_flops",
                        numbers([](H h) { return h.train.peak_flops; }));
    h5::write_attribute(f, "hardware_train_mfu", numbers([](H h) { return h.train.mfu; }));
    h5::write_attribute(f, "hardware_train_usd_per_hour",
                        numbers([](H h) { return h.train.usd_per_hour; }));
    h5::write_attribute(f, "hardware_serve_gpu", strings([](H h) { return h.serve.gpu; }));
    h5::write_attribute(f, "hardware_serve_dtype", strings([](H h) { return h.serve.dtype; }));
    h5::write_attribute(f, "hardware_serve_peak_flops",
                        numbers([](H h) { return h.serve.peak_flops; }));
    h5::write_attribute(f, "hardware_serve_prefill_mfu",
                        numbers([](H h) { return h.serve.prefill_mfu; }));
    h5::write_attribute(f, "hardware_serve_decode_mfu",
                        numbers([](H h) { return h.serve.decode_mfu; }));
    h5::write_attribute(f, "hardware_serve_usd_per_hour",
                        numbers([](H h) { return h.serve.usd_per_hour; }));
    h5::write_attribute(f, "hardware_serve_input_tokens",
                        numbers([](H h) { return h.serve.input_tokens; }));
    h5::write_attribute(f, "hardware_serve_output_tokens",
                        numbers([](H h) { return h.serve.output_tokens; }));
  }

  void write_coordinates() {
    for (const axis& a : m_plan.axes) {
      h5::handle ds;
      if (a.id == axis_id::hardware) {
        std::vector<std::int32_t> index(a.values.begin(), a.values.end());
        ds = h5::write_coordinate(m_file.get(), a.name, index);
      } else {
        ds = h5::write_coordinate(m_file.get(), a.name, a.values);
      }
      h5::write_attribute(ds.get(), "units", a.units);
      h5::write_attribute(ds.get(), "long_name", a.long_name);
      h5::write_attribute(ds.get(), "spacing", a.spacing);
      m_coordinates.emplace_back(a.id, std::move(ds));
    }
    const h5::handle names =
        h5::write_strings(m_file.get(), "hardware_name", m_plan.hardware_names);
    h5::write_attribute(names.get(), "long_name", std::string("hardware scenario name"));
    attach(names.get(), "hardware_name", {axis_id::hardware});
  }

  hid_t coordinate(axis_id id) const {
    for (const auto& [cid, ds] : m_coordinates) {
      if (cid == id) {
        return ds.get();
      }
    }
    return H5I_INVALID_HID;
  }

  void attach(hid_t variable, const std::string& name, const std::vector<axis_id>& dims) const {
    for (std::size_t d = 0; d < dims.size(); ++d) {
      h5::check(H5DSattach_scale(variable, coordinate(dims[d]), static_cast<unsigned>(d)),
                "attach dimension '" + std::string(axis_name(dims[d])) + "' to '" + name + "'");
    }
  }

  std::vector<h5::handle> create_variables(const problem_plan& p) const {
    const std::vector<hsize_t> shape(p.shape.begin(), p.shape.end());
    const std::vector<hsize_t> chunk(p.chunk_shape.begin(), p.chunk_shape.end());
    const h5::handle space = h5::dataspace(
        H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "variable space");
    // Chunks are written whole with H5Dwrite_chunk: HDF5's chunk cache would only hold copies.
    const h5::handle dapl = h5::property_list(H5Pcreate(H5P_DATASET_ACCESS), "dataset access list");
    h5::check(H5Pset_chunk_cache(dapl.get(), 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), "chunk cache");
    std::vector<h5::handle> out;
    for (const variable_info& v : p.outputs) {
      const bool is_float = v.type == value_type::f64;
      const h5::handle dcpl =
          h5::property_list(H5Pcreate(H5P_DATASET_CREATE), "dataset creation list");
      h5::check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                "chunk '" + v.name + "'");
      hid_t file_type = H5T_STD_U8LE;
      if (is_float && v.stored_as_float32) {
        const float fill = NAN;
        h5::check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_FLOAT, &fill), "fill value");
        file_type = H5T_IEEE_F32LE;
      } else if (is_float) {
        const double fill = NAN;
        h5::check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill), "fill value");
        file_type = H5T_IEEE_F64LE;
      }
      // The pipeline that chunk_encoder applies, recorded so that every reader can undo it.
      if (m_plan.config.output.compression == compression_kind::deflate) {
        h5::check(H5Pset_shuffle(dcpl.get()), "shuffle filter");
        h5::check(
            H5Pset_deflate(dcpl.get(), static_cast<unsigned>(m_plan.config.output.deflate_level)),
            "deflate filter");
      }
      h5::handle ds = h5::dataset(H5Dcreate2(m_file.get(), v.name.c_str(), file_type, space.get(),
                                             H5P_DEFAULT, dcpl.get(), dapl.get()),
                                  "create '" + v.name + "'");
      h5::write_attribute(ds.get(), "units", v.units);
      h5::write_attribute(ds.get(), "long_name", v.long_name);
      if (is_float && v.stored_as_float32) {
        h5::write_attribute(ds.get(), "_FillValue", std::numeric_limits<float>::quiet_NaN());
      } else if (is_float) {
        h5::write_attribute(ds.get(), "_FillValue", std::numeric_limits<double>::quiet_NaN());
      } else {
        std::vector<std::uint8_t> flags(cell_status_count);
        for (int i = 0; i < cell_status_count; ++i) {
          flags[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
        }
        h5::write_attribute(ds.get(), "flag_values", flags);
        h5::write_attribute(ds.get(), "flag_meanings", std::string(cell_status_flag_meanings));
      }
      attach(ds.get(), v.name, p.dims);
      out.push_back(std::move(ds));
    }
    return out;
  }

  // Encodes every chunk of every variable of the tile on the compression threads, then writes
  // them in order with H5Dwrite_chunk (HDF5 itself is called from this thread only).
  void do_write_tile(std::size_t problem_index, const tile_box& box,
                     const host_tile& tile) override {
    const problem_plan& p = m_plan.problems[problem_index];
    const std::vector<tile_box> chunks = chunks_of(p, box);
    const tile_columns columns = tile.columns();
    const std::vector<chunk_encoder>& encoders = m_encoders[problem_index];
    const std::size_t variables = p.outputs.size();
    const std::size_t tasks = chunks.size() * variables;
    if (m_encoded.size() < tasks) {
      m_encoded.resize(tasks);
    }
    const auto task_count = static_cast<std::int64_t>(tasks);
#pragma omp parallel num_threads(m_compression_threads)
    {
      std::vector<unsigned char> scratch;
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t t = 0; t < task_count; ++t) {
        const std::size_t v = static_cast<std::size_t>(t) % variables;
        const std::size_t c = static_cast<std::size_t>(t) / variables;
        const void* column = p.outputs[v].type == value_type::u8
                                 ? static_cast<const void*>(columns.status)
                                 : static_cast<const void*>(columns.f64[v]);
        encoders[v].encode(box, column, chunks[c], scratch, m_encoded[static_cast<std::size_t>(t)]);
      }
    }
    std::vector<hsize_t> offset(static_cast<std::size_t>(box.rank));
    for (std::size_t t = 0; t < tasks; ++t) {
      const std::size_t v = t % variables;
      const tile_box& chunk = chunks[t / variables];
      for (int d = 0; d < box.rank; ++d) {
        offset[static_cast<std::size_t>(d)] = static_cast<hsize_t>(chunk.offset[d]);
      }
      const std::vector<unsigned char>& bytes = m_encoded[t];
      h5::check(H5Dwrite_chunk(m_variables[problem_index][v].get(), H5P_DEFAULT, 0, offset.data(),
                               bytes.size(), bytes.data()),
                "write a chunk of '" + p.outputs[v].name + "' to '" + m_partial + "'");
      m_bytes_written += static_cast<std::int64_t>(bytes.size());
    }
  }

  void do_finish() override {
    m_variables.clear();
    m_coordinates.clear();
    m_file.close("close '" + m_partial + "'");
    std::error_code ec;
    std::filesystem::rename(m_partial, m_path, ec);
    if (ec) {
      throw io_error("cannot rename '" + m_partial + "' to '" + m_path + "': " + ec.message());
    }
    m_finished = true;
  }

  const sweep_plan& m_plan;
  std::string m_path;
  std::string m_partial;
  h5::handle m_file;
  std::vector<std::pair<axis_id, h5::handle>> m_coordinates;
  std::vector<std::vector<h5::handle>> m_variables;   // per problem, per output
  std::vector<std::vector<chunk_encoder>> m_encoders; // per problem, per output
  std::vector<std::vector<unsigned char>> m_encoded;  // per (chunk, variable) of a tile
  int m_compression_threads;
  std::int64_t m_bytes_written = 0;
  bool m_finished = false;
};

} // namespace

std::unique_ptr<result_sink> make_hdf5_sink(const sweep_plan& plan, const std::string& path,
                                            const run_metadata& meta, int compression_threads) {
  return std::make_unique<hdf5_sink>(plan, path, meta, compression_threads);
}

} // namespace scalesweep
