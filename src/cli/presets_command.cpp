// `scalesweep presets`: the law, GPU, hardware-scenario and model presets with their sources.
#include "app/field_json.hpp"
#include "app/json_writer.hpp"
#include "app/law_samples_source.hpp"
#include "cli/commands.hpp"
#include "plan/presets.hpp"

#include <cstdio>
#include <memory>

namespace scalesweep::cli {

namespace {

void print_text() {
  // The irreducible loss E is a few nats: its column is narrower.
  const auto narrow = [](const law_constant& c) { return &c == &law_constants[0]; };
  std::printf("Loss-law presets (L = E + A/N^alpha + B/D^beta):\n");
  std::printf("  %-22s", "name");
  for (const law_constant& c : law_constants) {
    std::printf(narrow(c) ? " %9s" : " %10s", std::string(c.name).c_str());
  }
  std::printf("\n");
  for (const law_preset& p : law_presets()) {
    std::printf("  %-22s", std::string(p.name).c_str());
    for (const law_constant& c : law_constants) {
      std::printf(narrow(c) ? " %9.7g" : " %10.8g", p.law.*c.member);
    }
    std::printf("\n  %-22s source: %s\n", "", std::string(p.source).c_str());
  }
  std::printf("\nLaw-samples presets ([law] samples; files in %s):\n",
              app::data_directory().c_str());
  for (const samples_preset& s : samples_presets()) {
    std::printf("  %-22s %s\n  %-22s source: %s\n", std::string(s.name).c_str(),
                std::string(s.file).c_str(), "", std::string(s.source).c_str());
  }
  std::printf("\nGPU presets (dense peak TFLOP/s per dtype):\n");
  for (const gpu_preset& g : gpu_presets()) {
    std::printf("  %-10s", std::string(g.name).c_str());
    for (const dtype_peak& d : g.peaks) {
      std::printf(" %s=%g", std::string(d.dtype).c_str(), d.flops_per_s / 1e12);
    }
    std::printf("\n  %-10s memory %g GB, bandwidth %g GB/s, board power %g W\n", "",
                g.memory_bytes / 1e9, g.bandwidth_bytes_per_s / 1e9, g.board_power_w);
    std::printf("  %-10s source: %s\n", "", std::string(g.source).c_str());
  }
  std::printf("\nHardware-scenario presets (train | serve):\n");
  for (const hardware_preset& h : hardware_presets()) {
    std::printf(
        "  %-24s train %s %s MFU %g $%.2f/h | serve %s %s MFU %g/%g $%.2f/h, %g in/%g out\n",
        std::string(h.name).c_str(), h.train.gpu->c_str(), h.train.dtype->c_str(), *h.train.mfu,
        *h.train.usd_per_hour, h.serve.gpu->c_str(), h.serve.dtype->c_str(), *h.serve.prefill_mfu,
        *h.serve.decode_mfu, *h.serve.usd_per_hour, *h.serve.input_tokens, *h.serve.output_tokens);
    std::printf("  %-24s source: %s\n", "", std::string(h.source).c_str());
  }
  std::printf("\nModel presets (eval --model; N parameters, D pre-training tokens):\n");
  for (const model_preset& m : model_presets()) {
    std::printf("  %-16s N %-9g D %-9g D/N %.0f\n", std::string(m.name).c_str(), m.N, m.D,
                m.D / m.N);
    std::printf("  %-16s source: %s\n", "", std::string(m.source).c_str());
  }
}

void print_json() {
  json_writer j;
  j.begin_object().key("laws").begin_array();
  for (const law_preset& p : law_presets()) {
    j.begin_object().field("name", p.name);
    write_law_constants(j, p.law);
    j.field("source", p.source).end_object();
  }
  j.end_array().key("samples").begin_array();
  for (const samples_preset& s : samples_presets()) {
    j.begin_object().field("name", s.name).field("file", s.file);
    j.field("source", s.source).end_object();
  }
  j.end_array().key("gpus").begin_array();
  for (const gpu_preset& g : gpu_presets()) {
    j.begin_object().field("name", g.name).key("peak_flops").begin_object();
    for (const dtype_peak& d : g.peaks) {
      j.field(d.dtype, d.flops_per_s);
    }
    j.end_object().field("memory_bytes", g.memory_bytes);
    j.field("bandwidth_bytes_per_s", g.bandwidth_bytes_per_s)
        .field("board_power_w", g.board_power_w);
    j.field("source", g.source).end_object();
  }
  j.end_array().key("hardware").begin_array();
  for (const hardware_preset& h : hardware_presets()) {
    j.begin_object().field("name", h.name);
    write_hardware_sides(j, h);
    j.field("source", h.source).end_object();
  }
  j.end_array().key("models").begin_array();
  for (const model_preset& m : model_presets()) {
    j.begin_object().field("name", m.name).field("N", m.N).field("D", m.D);
    j.field("source", m.source).end_object();
  }
  j.end_array().end_object();
  std::fputs(j.str().c_str(), stdout);
}

} // namespace

command add_presets_command(CLI::App& parent) {
  auto json = std::make_shared<bool>(false);
  CLI::App* app = parent.add_subcommand(
      "presets", "List law, GPU, hardware-scenario and model presets with sources");
  app->add_flag("--json", *json, "Print one JSON object instead of tables");
  return {app, [json] {
            if (*json) {
              print_json();
            } else {
              print_text();
            }
            return app::exit_ok;
          }};
}

} // namespace scalesweep::cli
