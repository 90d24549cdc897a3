// Values broadcast over a shape as numpy broadcasts them: a cell's value is
// values[sum over d of index[d] * strides[d]], with stride 0 along the dimensions it is repeated
// on. How callers (the Python package) hand arrays of inputs to engine.hpp's solve_cells.
#pragma once

#include <cstdint>
#include <vector>

namespace scalesweep {

struct broadcast_array {
  const double* values = nullptr;    // `count` values, each read by every cell that maps to it
  std::int64_t count = 0;            //
  std::vector<std::int64_t> strides; // in elements, one per dimension of the cells' shape, >= 0
};

} // namespace scalesweep
