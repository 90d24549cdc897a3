// The CLI's commands called in process, with the flags a user types: for programs (the Python
// package's scalesweep.optimum and scalesweep.solve) that want exactly the command line's options,
// checks and answers without starting a process. It lives in the CLI layer that implements it (it
// is no public engine header: nothing in include/ may depend on a layer above); errors
// are thrown as input_error, with the command line's messages.
#pragma once

#include "scalesweep/engine.hpp"

#include <string>
#include <vector>

namespace scalesweep {

struct command_output {
  std::string json;                  // what the command prints with --json
  std::vector<std::string> warnings; // what it prints on stderr as "warning: ...", in order
};

// `scalesweep optimum ARGS --json`; args as typed after "optimum" ("--law", "sardana2024", ...).
command_output optimum_json(const std::vector<std::string>& args);

// The law and costs that `optimum`'s law, objective and hardware flags describe (the target and
// demand flags --loss, --budget and --inference-tokens are refused: solve_cells takes those per
// cell; --requests with --input-tokens and --output-tokens sets the token split of a scenario
// without a --hardware preset).
cell_economics economics_from_optimum_flags(const std::vector<std::string>& args);

} // namespace scalesweep
