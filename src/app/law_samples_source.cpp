// Finding and reading a config's law samples (law_samples_source.hpp).
#include "app/law_samples_source.hpp"

#include "scalesweep/error.hpp"

#include "output/law_samples_file.hpp"
#include "plan/presets.hpp"

#include <cstdlib>
#include <filesystem>

#ifndef SCALESWEEP_SOURCE_DATA_DIR
#define SCALESWEEP_SOURCE_DATA_DIR "data"
#endif

namespace scalesweep::app {

std::string data_directory() {
  const char* set = std::getenv("SCALESWEEP_DATA_DIR");
  return set != nullptr && *set != '\0' ? std::string(set)
                                        : std::string(SCALESWEEP_SOURCE_DATA_DIR);
}

std::string samples_file(const std::string& source) {
  if (const samples_preset* p = find_samples_preset(source)) {
    return (std::filesystem::path(data_directory()) / std::string(p->file)).string();
  }
  return source;
}

void read_law_samples_into(sweep_config& config) {
  law_spec& law = config.law;
  if (law.samples_source.empty() || !law.samples.empty()) {
    return; // no samples, or read already
  }
  const std::string path = samples_file(law.samples_source);
  law_samples read;
  try {
    read = read_law_samples(path);
  } catch (const input_error& e) {
    const samples_preset* preset = find_samples_preset(law.samples_source);
    throw input_error(law.samples_where + ": law.samples: " + e.what(),
                      preset != nullptr
                          ? "the samples preset's file is looked up in " + data_directory() +
                                " (set SCALESWEEP_DATA_DIR to " + "the directory that holds " +
                                std::string(preset->file) + ")"
                          : e.hint());
  }
  law.samples = std::move(read.laws);
  if (law.preset == "samples") {
    law.law = read.estimate;
  }
}

} // namespace scalesweep::app
