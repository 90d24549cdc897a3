// [law] samples (SPEC §5.5): where a config's law samples are, and reading them into the config
// before its plan is made.
#pragma once

#include "plan/config.hpp"

#include <string>

namespace scalesweep::app {

// The data directory that holds the shipped samples presets: $SCALESWEEP_DATA_DIR when set, else
// the source tree's data/ that this build was configured from.
std::string data_directory();

// The file that [law] samples names: a samples preset's file in data_directory(), else the text
// as a path (relative to the working directory).
std::string samples_file(const std::string& source);

// Reads the config's law samples (nothing without [law] samples); a law given only by its
// samples becomes the file's estimate. input_error (exit 2) for a file that is missing, not a
// samples file, of another format version, with no samples, or with a non-finite constant.
void read_law_samples_into(sweep_config& config);

} // namespace scalesweep::app
