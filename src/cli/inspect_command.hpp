// What `scalesweep inspect` prints for a result file, for the command and the fuzz harness that
// feeds the same reading with damaged files (tests/fuzz/).
#pragma once

#include "tools/result_reader.hpp"

#include <string>

namespace scalesweep::cli {

// Prints the summary of `file` (named `path`) to standard output: text, or one JSON object.
// Throws io_error/input_error where the file does not hold together.
void print_inspection(const h5::result_reader& file, const std::string& path, bool json);

} // namespace scalesweep::cli
