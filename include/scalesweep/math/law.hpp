// The Chinchilla-form loss law L(N, D) = E + A/N^alpha + B/D^beta and its T = 0 closed forms (SPEC
// §1.1, §1.4).
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/real_ops.hpp"

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

// The two reducible terms (Hoffmann et al. 2022, Eq. 2), written once in log form because the
// solvers produce ln N and ln D; A N^-alpha = A exp(-alpha ln N).
template <class Real>
SCALESWEEP_HD Real parameter_term_at_log(const scaling_law& law, Real ln_N) {
  return law.A * exp_of(-law.alpha * ln_N);
}
template <class Real>
SCALESWEEP_HD Real data_term_at_log(const scaling_law& law, Real ln_D) {
  return law.B * exp_of(-law.beta * ln_D);
}
SCALESWEEP_HD double parameter_term(const scaling_law& law, double N) {
  return parameter_term_at_log(law, std::log(N));
}
SCALESWEEP_HD double data_term(const scaling_law& law, double D) {
  return data_term_at_log(law, std::log(D));
}

// L = E + A/N^alpha + B/D^beta; the dense grid adds precomputed terms in this same order.
template <class Real>
SCALESWEEP_HD Real loss_from_terms(const scaling_law& law, Real parameter, Real data) {
  return law.E + parameter + data;
}
SCALESWEEP_HD double loss(const scaling_law& law, double N, double D) {
  return loss_from_terms(law, parameter_term(law, N), data_term(law, D));
}
template <class Real>
SCALESWEEP_HD Real loss_at_log(const scaling_law& law, Real ln_N, Real ln_D) {
  return loss_from_terms(law, parameter_term_at_log(law, ln_N), data_term_at_log(law, ln_D));
}

// Logarithms of the constants, computed once per sweep so that no cell pays for them.
struct prepared_law {
  scaling_law law;
  double ln_A;
  double ln_B;
  double ln_alpha;
  double ln_beta;
  double ln_alpha_plus_beta;
  double inv_alpha;
  double inv_beta;
  double data_power; // k = 1 + 1/beta, the power of w in the loss-target condition
  // Chinchilla's T = 0 optimum gives the data term the share w0 = alpha/(alpha+beta) of the
  // reducible loss: N_c = (A(1+alpha/beta)/R)^(1/alpha), D_c = (B(1+beta/alpha)/R)^(1/beta).
  double chinchilla_ln_data_share;      // ln w0 = -ln(1 + beta/alpha)
  double chinchilla_ln_parameter_share; // ln(1 - w0) = -ln(1 + alpha/beta)
  // Chinchilla's budget optimum: N* = G (C/6)^(beta/(alpha+beta)), D* =
  // (C/6)^(alpha/(alpha+beta))/G, G = (alpha A/(beta B))^(1/(alpha+beta)) (Hoffmann et al. 2022,
  // Eq. 4).
  double ln_alpha_A_over_beta_B;
  double ln_G;
};

SCALESWEEP_HD prepared_law prepare_law(const scaling_law& law) {
  prepared_law p{};
  p.law = law;
  p.ln_A = std::log(law.A);
  p.ln_B = std::log(law.B);
  p.ln_alpha = std::log(law.alpha);
  p.ln_beta = std::log(law.beta);
  p.ln_alpha_plus_beta = std::log(law.alpha + law.beta);
  p.inv_alpha = 1.0 / law.alpha;
  p.inv_beta = 1.0 / law.beta;
  p.data_power = 1.0 + p.inv_beta;
  p.chinchilla_ln_data_share = -std::log1p(law.beta / law.alpha);
  p.chinchilla_ln_parameter_share = -std::log1p(law.alpha / law.beta);
  p.ln_alpha_A_over_beta_B = std::log(law.alpha * law.A / (law.beta * law.B));
  p.ln_G = p.ln_alpha_A_over_beta_B / (law.alpha + law.beta);
  return p;
}

template <class Real>
struct log_point_of {
  Real ln_N;
  Real ln_D;
};
using log_point = log_point_of<double>;

// The point of the iso-loss curve L = E + R whose data term holds the share w of R:
// B D^-beta = w R and A N^-alpha = (1 - w) R. Every loss-target optimum is such a point; the
// shares come in logs so that 1 - w is never formed by cancellation.
template <class Real>
SCALESWEEP_HD log_point_of<Real> iso_loss_point(const prepared_law& p, Real ln_R,
                                                Real ln_data_share, Real ln_parameter_share) {
  return {(p.ln_A - ln_R - ln_parameter_share) * p.inv_alpha,
          (p.ln_B - ln_R - ln_data_share) * p.inv_beta};
}

// Chinchilla's allocation of ln(C/6) (C in training FLOPs) between N and D.
template <class Real>
SCALESWEEP_HD log_point_of<Real> chinchilla_budget_point(const prepared_law& p, Real ln_C_over_6) {
  const double sum = p.law.alpha + p.law.beta;
  return {p.ln_G + p.law.beta / sum * ln_C_over_6, -p.ln_G + p.law.alpha / sum * ln_C_over_6};
}

} // namespace scalesweep
