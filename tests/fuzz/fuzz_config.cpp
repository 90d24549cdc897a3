// libFuzzer harness for the config reader: parse_config on arbitrary bytes. A refusal
// (scalesweep::error: input_error with the field and the allowed range) is the expected answer to
// almost every input; anything else that escapes, and every sanitizer report, is a bug.
#include "scalesweep/error.hpp"

#include "plan/config.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)scalesweep::parse_config(std::string(reinterpret_cast<const char*>(data), size),
                                   "fuzz.toml");
  } catch (const scalesweep::error&) {
  }
  return 0;
}
