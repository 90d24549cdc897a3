// What one GPU-second costs under each hardware objective (SPEC §1.2 usd, §5.1 energy and co2): the
// rates that gpu_time_cost_coefficients (cost_model.hpp) turns into k_train and k_inference, so
// every objective keeps the form k_train 6ND + k_inference 2NT and the one solver serves it.
#pragma once

#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/host_device.hpp"

namespace scalesweep {

inline constexpr double seconds_per_hour = 3600.0;
inline constexpr double joules_per_kwh = 3.6e6;   // 1 kWh = 1000 W x 3600 s
inline constexpr double grams_per_kilogram = 1e3; // grid intensities are quoted in gCO2e/kWh

// $ per GPU-second from a price per GPU-hour.
SCALESWEEP_HD double usd_per_gpu_second(double usd_per_hour) {
  return usd_per_hour / seconds_per_hour;
}

// kWh per GPU-second: board power (W = J/s) times the data centre's PUE (facility energy / IT
// energy, >= 1), in kWh. A GPU drawing 700 W at PUE 1.2 uses 700 x 1.2 / 3.6e6 kWh each second.
SCALESWEEP_HD double kwh_per_gpu_second(double power_w, double pue) {
  return power_w * pue / joules_per_kwh;
}

// kg CO2e per GPU-second: that energy times the grid's carbon intensity (gCO2e/kWh) / 1000.
SCALESWEEP_HD double kg_co2_per_gpu_second(double power_w, double pue, double gco2_per_kwh) {
  return kwh_per_gpu_second(power_w, pue) * gco2_per_kwh / grams_per_kilogram;
}

// One side's energy figures (SPEC §5.1 keys power_w, pue, gco2_per_kwh).
struct side_energy {
  double power_w;
  double pue;
  double gco2_per_kwh; // only the co2 objective reads it
};

SCALESWEEP_HD gpu_second_rates usd_rates(double train_usd_per_hour, double serve_usd_per_hour) {
  return {usd_per_gpu_second(train_usd_per_hour), usd_per_gpu_second(serve_usd_per_hour)};
}

SCALESWEEP_HD gpu_second_rates energy_rates(const side_energy& train, const side_energy& serve) {
  return {kwh_per_gpu_second(train.power_w, train.pue),
          kwh_per_gpu_second(serve.power_w, serve.pue)};
}

SCALESWEEP_HD gpu_second_rates co2_rates(const side_energy& train, const side_energy& serve) {
  return {kg_co2_per_gpu_second(train.power_w, train.pue, train.gco2_per_kwh),
          kg_co2_per_gpu_second(serve.power_w, serve.pue, serve.gco2_per_kwh)};
}

} // namespace scalesweep
