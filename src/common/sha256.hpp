// SHA-256 (FIPS 180-4) of a byte string or a file: the data's fingerprint in a fit's provenance.
#pragma once

#include <string>
#include <string_view>

namespace scalesweep {

// Lower-case hex digest, as sha256sum prints it.
std::string sha256_hex(std::string_view bytes);

} // namespace scalesweep
