// libFuzzer harness for the result reader: the bytes are an HDF5 file image, opened through the
// core driver (result_reader::from_image) and read as `scalesweep inspect` or `inspect --json`
// reads a file (print_inspection), in this process: the sanitizers and the coverage see every
// read. A refusal (scalesweep::error) is the expected answer to a damaged image.
//
// libhdf5 1.10 itself crashes or spins on some crafted images; the CLI survives those by reading
// in a forked child (src/common/isolated_call.hpp), which a fuzzer cannot see through, so the long
// run classifies each crash by where it happened (docs/reliability.md, tests/fuzz/triage.py).
#include "scalesweep/error.hpp"

#include "cli/inspect_command.hpp"
#include "tools/result_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // What inspect prints is not checked here; printing it to a terminal would slow every run.
  if (std::freopen("/dev/null", "w", stdout) == nullptr) {
    return 1;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string image(reinterpret_cast<const char*>(data), size);
  // One reading per input (the text or the JSON summary, by the size's parity): both read the
  // same header; a second reading would halve the executions for little new coverage.
  const bool json = size % 2 == 1;
  try {
    const auto file = scalesweep::h5::result_reader::from_image(image, "fuzz.h5");
    scalesweep::cli::print_inspection(file, "fuzz.h5", json);
  } catch (const scalesweep::error&) {
    // refused: the expected answer to a damaged image
  }
  return 0;
}
