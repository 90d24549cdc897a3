// The Chinchilla-form loss law L(N, D) = E + A/N^alpha + B/D^beta and its T = 0 closed forms (SPEC
// §1.1, §1.4).
#pragma once

#include "scalesweep/host_device.hpp"

#include <cmath>

namespace scalesweep {

// Five constants, passed to kernels by value. Later law families get their own value types.
struct scaling_law {
  double E;     // irreducible loss (nats/token)
  double A;     // parameter-term coefficient
  double B;     // data-term coefficient
  double alpha; // parameter exponent
  double beta;  // data exponent
};

SCALESWEEP_HD bool is_valid(const scaling_law& law) {
  return std::isfinite(law.E) && law.E >= 0 && std::isfinite(law.A) && law.A > 0 &&
         std::isfinite(law.B) && law.B > 0 && std::isfinite(law.alpha) && law.alpha > 0 &&
         std::isfinite(law.beta) && law.beta > 0;
}

// Hoffmann et al. 2022, Eq. 2.
SCALESWEEP_HD double loss(const scaling_law& law, double N, double D) {
  return law.E + law.A * std::pow(N, -law.alpha) + law.B * std::pow(D, -law.beta);
}

struct log_point {
  double ln_N;
  double ln_D;
};

// The (N, D) on the iso-loss curve L = E + R whose data term is the share w of the reducible
// loss R: B D^-beta = w R and A N^-alpha = (1 - w) R. Every loss-target optimum is such a point;
// ln_w is passed (not w) because the solvers work in ln w and 1 - w is then computed without
// cancellation.
SCALESWEEP_HD log_point iso_loss_point(const scaling_law& law, double ln_R, double ln_w) {
  return {(std::log(law.A) - ln_R - std::log1p(-std::exp(ln_w))) / law.alpha,
          (std::log(law.B) - ln_R - ln_w) / law.beta};
}

// Share of the reducible loss paid by the data term at the T = 0 optimum: w0 = alpha/(alpha+beta).
// Returned as ln w0 = -ln(1 + beta/alpha), which gives Chinchilla's closed form
// N_c = (A(1+alpha/beta)/R)^(1/alpha), D_c = (B(1+beta/alpha)/R)^(1/beta) (SPEC §1.4).
SCALESWEEP_HD double chinchilla_ln_data_share(const scaling_law& law) {
  return -std::log1p(law.beta / law.alpha);
}

// Chinchilla's compute-optimal allocation of C training FLOPs (Hoffmann et al. 2022, Eq. 4):
// N* = G (C/6)^a, D* = (C/6)^b / G with G = (alpha A/(beta B))^(1/(alpha+beta)),
// a = beta/(alpha+beta), b = alpha/(alpha+beta).
SCALESWEEP_HD log_point chinchilla_budget_point(const scaling_law& law, double train_flops) {
  const double sum = law.alpha + law.beta;
  const double ln_G = std::log(law.alpha * law.A / (law.beta * law.B)) / sum;
  const double ln_C6 = std::log(train_flops / 6.0);
  return {ln_G + law.beta / sum * ln_C6, -ln_G + law.alpha / sum * ln_C6};
}

} // namespace scalesweep
