// The result-file schema (output/schema.hpp) as JSON, for readers outside C++: scripts/plot.py
// reads the copy in scripts/result_schema.json, which a test keeps equal to this.
#pragma once

#include <string>

namespace scalesweep {

std::string result_schema_json();

} // namespace scalesweep
