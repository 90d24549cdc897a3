// `scalesweep run` between its flags and the engine: the ranks agree on the setup, the run is
// reported, computed and summarised, and a stop or failure says what it leaves behind.
#pragma once

#include "app/run_setup.hpp"

#include <string>

namespace scalesweep::app {

// What `run` was asked.
struct run_request {
  std::string program;      // argv[0], for hints that repeat the command
  std::string command_line; // argv, shell-quoted words, recorded in the file
  std::string config;
  std::string output; // empty: [output] path, else the config's stem + .h5
  run_flags flags;
  std::string shard; // "i/n"; empty: the whole grid
  bool resume = false;
  bool overwrite = false;
  bool no_output = false; // compute, report, write no file
  double checkpoint_seconds = 60;
  bool quiet = false;
  bool json = false;
};

// Runs the sweep, under MPI when an MPI launcher started this process; prints the plan, the
// progress and the summary; returns the exit code (128 + signal when interrupted).
int run_sweep(const run_request& request);

} // namespace scalesweep::app
