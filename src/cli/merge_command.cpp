// `scalesweep merge PARTS... -o OUT.h5`: join the files of a sharded run (job arrays).
#include "app/output_path.hpp"
#include "cli/commands.hpp"
#include "common/isolated_call.hpp"
#include "common/regular_file.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/output_paths.hpp"
#include "run/interrupt.hpp"
#include "tools/merge_parts.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace scalesweep::cli {

namespace {
struct merge_options {
  std::vector<std::string> parts;
  std::string output;
  bool quiet = false;
  bool overwrite = false;
};
} // namespace

command add_merge_command(CLI::App& parent) {
  auto o = std::make_shared<merge_options>();
  CLI::App* app = parent.add_subcommand(
      "merge", "Join the parts of a sharded run (run --shard i/n) into one result file");
  app->add_option("parts", o->parts, "Part files, e.g. out.shard-*-of-8.h5")->required();
  app->add_option("-o,--output", o->output, "Merged result file")
      ->required()
      ->check(non_empty_text());
  app->add_flag("--overwrite", o->overwrite,
                "Replace OUT if it is a regular file (default: refuse; never a device, FIFO, "
                "socket or a part)");
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors");
  return {app, [o] {
            std::vector<app::command_input> inputs;
            for (std::size_t i = 0; i < o->parts.size(); ++i) {
              const std::string role = "part " + std::to_string(i + 1) + " of this merge";
              require_regular_file(o->parts[i], role); // HDF5 would wait on a FIFO's writer
              inputs.push_back({o->parts[i], role});
            }
            app::check_output_file(o->output, o->overwrite, inputs);
            install_interrupt_handlers();
            // libhdf5 1.10 crashes or spins on some damaged files, even well after the read that
            // went wrong: the whole merge runs in a child process, which stops cleanly on the
            // signals this process receives.
            isolation_options isolated = default_isolation_options();
            isolated.interrupts = isolated_interrupts::tell_the_child;
            isolated_output printed;
            try {
              printed = run_isolated(
                  [&] {
                    const merge_summary s = merge_parts(o->parts, o->output);
                    if (!o->quiet) {
                      std::printf("merged %zu part%s into %s: %s chunk%s (%s) copied and checked\n",
                                  o->parts.size(), o->parts.size() == 1 ? "" : "s",
                                  escape_for_terminal(o->output).c_str(),
                                  format_count(s.chunks).c_str(), s.chunks == 1 ? "" : "s",
                                  format_bytes(static_cast<double>(s.bytes_copied)).c_str());
                    }
                  },
                  isolated);
            } catch (const run_interrupted& e) {
              std::fprintf(stderr,
                           "interrupted (signal %d): the merge stopped and removed %s; "
                           "nothing was written to %s\nhint: run the same merge again\n",
                           e.signal(), escape_for_terminal(output_paths(o->output).partial).c_str(),
                           escape_for_terminal(o->output).c_str());
              return 128 + e.signal();
            } catch (const isolation_failure& e) {
              throw input_error("merge: " + (e.note().empty() ? std::string("a part") : e.note()) +
                                    " is damaged or not a scalesweep result: reading it " +
                                    e.what() + "; nothing was written to " + shown_token(o->output),
                                h5::damaged_file_hint);
            }
            std::fputs(printed.err.c_str(), stderr);
            std::fputs(printed.out.c_str(), stdout);
            return app::exit_ok;
          }};
}

} // namespace scalesweep::cli
