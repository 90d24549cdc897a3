// The partial-file names of a result, from schema.hpp's rule.
#include "output/output_paths.hpp"

#include "output/schema.hpp"

#include <limits>
#include <unistd.h>

namespace scalesweep {

output_paths::output_paths(std::string final_name)
    : final_path(std::move(final_name)), partial(final_path + std::string(schema::partial_suffix)),
      creating(partial + std::string(schema::creating_infix) + std::to_string(::getpid())) {}

std::size_t longest_temporary_suffix() {
  const std::size_t widest_pid = std::to_string(std::numeric_limits<pid_t>::max()).size();
  return schema::partial_suffix.size() + schema::creating_infix.size() + widest_pid;
}

bool is_partial_path(const std::string& path) {
  const std::string_view suffix = schema::partial_suffix;
  return path.size() >= suffix.size() &&
         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace scalesweep
