// JSON of the field tables (plan/law_constants.hpp, plan/hardware.hpp): the law's constants and a
// hardware scenario's two sides, written by iterating the tables, for every --json report.
#pragma once

#include "app/json_writer.hpp"
#include "plan/hardware.hpp"
#include "plan/law_constants.hpp"
#include "plan/presets.hpp"

namespace scalesweep {

// "E": ..., "A": ..., "B": ..., "alpha": ..., "beta": ... (fields of the open object).
void write_law_constants(json_writer& j, const scaling_law& law);

// "train": {...}, "serve": {...} with every field of each side, in table order.
void write_hardware_sides(json_writer& j, const hardware_scenario& h);

// The same for a preset: the values it sets (peak_flops comes from the GPU preset: left out).
void write_hardware_sides(json_writer& j, const hardware_preset& h);

} // namespace scalesweep
