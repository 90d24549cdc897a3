// The names of result files that are made from parts (law constants, hardware fields, records).
#include "output/schema.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

namespace scalesweep::schema {

std::vector<std::string> required_root_attributes() {
  std::vector<std::string> names = {
      root::scalesweep_version, root::format_version, root::config,
      root::law_preset,         root::objective,      root::cost_units};
  for (const law_constant& c : law_constants) {
    names.push_back(law_attribute(c));
  }
  return names;
}

std::string law_attribute(const law_constant& constant) {
  return "law_" + std::string(constant.name);
}

std::string hardware_attribute(std::string_view side, std::string_view key) {
  return "hardware_" + std::string(side) + "_" + std::string(key);
}

void require_format_version(const std::string& who, const std::string& path, std::int64_t found,
                            const std::string& what_to_do) {
  if (found == format_version) {
    return;
  }
  const std::string message = who + "'" + path + "' has result format " + std::to_string(found) +
                              "; this scalesweep (" + std::string(scalesweep_version) +
                              ") reads format " + std::to_string(format_version) + " only";
  if (!what_to_do.empty()) {
    throw input_error(message, what_to_do);
  }
  if (found < format_version) {
    throw input_error(message, "re-run its config with this scalesweep (the file keeps the config "
                               "in its 'config' attribute), or read it with the scalesweep that "
                               "wrote it (its 'scalesweep_version' attribute)");
  }
  throw input_error(message, "read it with a newer scalesweep (its 'scalesweep_version' "
                             "attribute names the one that wrote it)");
}

std::string done_path(std::size_t problem_index) {
  return std::string(progress::group) + "/" + progress::record_prefix +
         std::to_string(problem_index);
}

} // namespace scalesweep::schema
