// A guard run on a config's text before toml++ parses it: key paths deep enough to overflow the
// parser's stack are refused with a position.
#pragma once

#include <string>

namespace scalesweep {

// Throws input_error ("FILE:LINE:1: a key path of 1001 parts or more ...") for a dotted key or
// table header of 1,000 parts or more anywhere in `text`.
void check_key_depth(const std::string& text, const std::string& source_name);

} // namespace scalesweep
