// The names of result files that are made from parts (law constants, hardware fields, records).
#include "output/schema.hpp"

namespace scalesweep::schema {

std::string law_attribute(const law_constant& constant) {
  return "law_" + std::string(constant.name);
}

std::string hardware_attribute(std::string_view side, std::string_view key) {
  return "hardware_" + std::string(side) + "_" + std::string(key);
}

std::string done_path(std::size_t problem_index) {
  return std::string(progress::group) + "/" + progress::record_prefix +
         std::to_string(problem_index);
}

} // namespace scalesweep::schema
