// The result-file schema (output/schema.hpp) as JSON, for readers outside C++: the Python package
// reads the copy in python/scalesweep/result_schema.json, which a test keeps equal to this.
#pragma once

#include <string>

namespace scalesweep {

std::string result_schema_json();

} // namespace scalesweep
