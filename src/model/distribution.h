// A non-negative random duration (seconds): service times, overheads, think times.
//
// Either parametric — given by its mean and squared coefficient of variation (SCV) and realised
// as the standard two-moment fit (constant for SCV 0, a mixture of Erlangs for SCV < 1,
// exponential for 1, balanced-means hyperexponential above: Tijms, "A First Course in
// Stochastic Models", 2003, §2.4) — or empirical, kept as equally spaced quantiles and sampled
// by inverting the piecewise-linear distribution function through them.
// A plain value type; sampling needs the caller's Rng.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "model/rng.h"

namespace faaslab::model {

class Distribution {
 public:
  Distribution() = default;
  static Distribution constant(double value);
  static Distribution exponential(double mean);
  // mean > 0 (or 0 with any scv: the constant 0), scv >= 0.
  static Distribution two_moment(double mean, double scv);
  // From samples (>= 1, all >= 0): mean and SCV exact, `points` quantiles (p = i/(points-1)).
  static Distribution empirical(std::vector<double> samples, int points = 201);
  // From stored quantiles (equally spaced in p, non-decreasing, >= 2 of them).
  static Result<Distribution> from_quantiles(std::vector<double> quantiles);

  double mean() const { return mean_; }
  double scv() const { return scv_; }
  bool empirical() const { return !quantiles_.empty(); }
  // Parametric with SCV 1: the exponential, where the textbook formulas are exact.
  bool is_exponential() const { return !empirical() && scv_ == 1.0; }
  bool is_constant() const { return !empirical() && scv_ == 0.0; }
  const std::vector<double>& quantiles() const { return quantiles_; }

  double sample(Rng& rng) const;
  // P(X <= t).
  double cdf(double t) const;
  // Smallest t with cdf(t) >= p (interpolated for empirical ones), p in [0, 1].
  double quantile(double p) const;
  // The same shape scaled by `factor` >= 0 (mean × factor, same SCV).
  Distribution scaled(double factor) const;
  // `n` points at the mid-quantiles (i + 0.5)/n: a quadrature for E[f(X)].
  std::vector<double> grid(int n) const;
  // Short description: "exponential(mean 2s)", "empirical(201 quantiles, mean 0.041s, scv 0.08)".
  std::string describe() const;

  // {"mean_s", "scv", "count"?, "quantiles"?}; from_json checks every field.
  nlohmann::json to_json() const;
  static Result<Distribution> from_json(const nlohmann::json& j, const std::string& what);

 private:
  double mean_ = 0, scv_ = 0;
  std::vector<double> quantiles_;
  // Two-moment fit parameters.
  int erlang_k_ = 1;  // SCV < 1: phases (k-1 with probability p_, k otherwise)
  double p_ = 0;      // mixing probability
  double rate1_ = 0, rate2_ = 0;
};

}  // namespace faaslab::model
