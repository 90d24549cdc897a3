// scalesweep_result_schema OUT.json: writes the result-file schema as JSON (the build writes
// generated/result_schema.json; python/scalesweep/result_schema.json is the copy the Python package
// reads).
#include "app/result_schema_json.hpp"

#include <cstdio>
#include <fstream>

int main(int argc, char** argv) {
  // A build tool, but an option (`--help`) must not become a file of that name.
  if (argc != 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << scalesweep::result_schema_json();
  out.close();
  if (!out) {
    std::fprintf(stderr, "error: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
