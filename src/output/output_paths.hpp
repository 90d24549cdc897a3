// The names of one result file while it is made (schema.hpp's partial-file rule), made once and
// passed to whatever creates, resumes, checks, publishes or reports it.
#pragma once

#include <cstddef>
#include <string>

namespace scalesweep {

struct output_paths {
  std::string final_path; // where the finished result appears
  std::string partial;    // where it is written until then: final_path + ".partial"
  std::string creating;   // where a new partial file is built: partial + ".creating-<this pid>"

  explicit output_paths(std::string final_name);
};

// The longest name beside the final one that a run or merge writes while it works:
// ".partial.creating-<pid>" with the widest pid_t. Checks of a name's length count it, so that
// a name that fits there does not fail later with "File name too long".
std::size_t longest_temporary_suffix();
// How messages name that suffix.
inline constexpr const char* longest_temporary_suffix_text = ".partial.creating-PID";

// Whether `path` names a partial file (ends in ".partial"): a run that has not finished.
bool is_partial_path(const std::string& path);

} // namespace scalesweep
