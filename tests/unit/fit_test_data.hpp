// Shared by the fit tests: the shipped Chinchilla data (Besiroglu et al. 2024) as the paper's
// analysis uses it, and a synthetic data set from known constants.
#pragma once

#include "app/fit/fit_data.hpp"

#include <cmath>
#include <string>

namespace scalesweep::fit_testing {

using app::fit_data;
using app::fit_data_options;
using app::read_fit_data;

inline std::string shipped_data_path() {
  return std::string(SCALESWEEP_SOURCE_DIR) + "/data/chinchilla-fig4-besiroglu2024.csv";
}

// 245 rows, the 5 highest losses left out (n = 240), D = C / (6 N): data/README.md.
inline fit_data shipped_data(int parameters = law_parameters) {
  fit_data_options o;
  o.N_column = "Model Size";
  o.flops_column = "Training FLOP";
  o.loss_column = "loss";
  o.exclude_highest_loss = 5;
  o.parameters = parameters;
  return read_fit_data(shipped_data_path(), o);
}

// Points on a 10 x 8 grid of N in [1e7, 1e11] and D in [1e9, 1e13] with losses from the law
// (E, A, B, alpha, beta) times exp(noise_i): noise_i = amplitude * sin(7.3 i) (deterministic,
// bounded), and every `outlier_every`-th point (0: none) raised by 20 % (a bad run).
inline fit_data synthetic_data(const double law[5], double amplitude, int outlier_every) {
  fit_data d;
  int i = 0;
  for (int a = 0; a < 10; ++a) {
    for (int b = 0; b < 8; ++b, ++i) {
      const double N = std::pow(10.0, 7 + 4.0 * a / 9), D = std::pow(10.0, 9 + 4.0 * b / 7);
      double L = law[0] + law[1] / std::pow(N, law[3]) + law[2] / std::pow(D, law[4]);
      L *= std::exp(amplitude * std::sin(7.3 * i));
      if (outlier_every > 0 && i % outlier_every == 0) {
        L *= 1.2;
      }
      d.N.push_back(N), d.D.push_back(D), d.loss.push_back(L);
      d.log_N.push_back(std::log(N)), d.log_D.push_back(std::log(D)),
          d.log_loss.push_back(std::log(L));
      d.rows.push_back(i + 1);
    }
  }
  d.rows_read = i;
  return d;
}

} // namespace scalesweep::fit_testing
