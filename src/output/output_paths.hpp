// The names of one result file while it is made (schema.hpp's partial-file rule), made once and
// passed to whatever creates, resumes, checks, publishes or reports it.
#pragma once

#include <string>

namespace scalesweep {

struct output_paths {
  std::string final_path; // where the finished result appears
  std::string partial;    // where it is written until then: final_path + ".partial"
  std::string creating;   // where a new partial file is built: partial + ".creating-<this pid>"

  explicit output_paths(std::string final_name);
};

// Whether `path` names a partial file (ends in ".partial"): a run that has not finished.
bool is_partial_path(const std::string& path);

} // namespace scalesweep
