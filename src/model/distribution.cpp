#include "model/distribution.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace faaslab::model {
namespace {

// P(Erlang(k, rate) <= t).
double erlang_cdf(int k, double rate, double t) {
  if (t <= 0) return 0;
  const double x = rate * t;
  double term = std::exp(-x), sum = term;
  for (int i = 1; i < k; ++i) {
    term *= x / i;
    sum += term;
  }
  return std::clamp(1.0 - sum, 0.0, 1.0);
}

}  // namespace

Distribution Distribution::constant(double value) {
  Distribution d;
  d.mean_ = value;
  d.scv_ = 0;
  return d;
}

Distribution Distribution::exponential(double mean) {
  return two_moment(mean, 1.0);
}

Distribution Distribution::two_moment(double mean, double scv) {
  Distribution d;
  d.mean_ = mean;
  d.scv_ = mean > 0 ? scv : 0;
  if (mean <= 0 || scv <= 0) return d;
  if (scv < 1) {
    // Mixture of Erlang(k-1) and Erlang(k) with a common rate, 1/k <= scv <= 1/(k-1).
    const int k = std::max(2, static_cast<int>(std::ceil(1.0 / scv - 1e-12)));
    const double kd = k;
    d.erlang_k_ = k;
    d.p_ = (kd * scv - std::sqrt(kd * (1 + scv) - kd * kd * scv)) / (1 + scv);
    d.p_ = std::clamp(d.p_, 0.0, 1.0);
    d.rate1_ = (kd - d.p_) / mean;
  } else if (scv > 1) {
    // Balanced means: p1/rate1 = p2/rate2.
    d.p_ = 0.5 * (1 + std::sqrt((scv - 1) / (scv + 1)));
    d.rate1_ = 2 * d.p_ / mean;
    d.rate2_ = 2 * (1 - d.p_) / mean;
  } else {
    d.rate1_ = 1 / mean;
  }
  return d;
}

Distribution Distribution::empirical(std::vector<double> samples, int points) {
  Distribution d;
  if (samples.empty()) return d;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double s : samples) sum += s;
  const double n = static_cast<double>(samples.size());
  d.mean_ = sum / n;
  double sq = 0;
  for (double s : samples) sq += (s - d.mean_) * (s - d.mean_);
  d.scv_ = d.mean_ > 0 ? (sq / n) / (d.mean_ * d.mean_) : 0;
  points = std::max(points, 2);
  d.quantiles_.resize(static_cast<std::size_t>(points));
  for (int i = 0; i < points; ++i) {
    // Linear interpolation between order statistics (type 7 of Hyndman & Fan).
    const double h = (n - 1) * i / (points - 1.0);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto hi = std::min(lo + 1, samples.size() - 1);
    d.quantiles_[static_cast<std::size_t>(i)] =
        samples[lo] + (h - static_cast<double>(lo)) * (samples[hi] - samples[lo]);
  }
  return d;
}

Result<Distribution> Distribution::from_quantiles(std::vector<double> q) {
  if (q.size() < 2) return make_error("an empirical distribution needs at least 2 quantiles");
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i]) || q[i] < 0)
      return make_error("quantiles must be finite and non-negative");
    if (i > 0 && q[i] < q[i - 1]) return make_error("quantiles must not decrease");
  }
  Distribution d;
  // Mean and SCV of the piecewise-linear distribution (uniform between adjacent quantiles).
  const double segments = static_cast<double>(q.size() - 1);
  double m1 = 0, m2 = 0;
  for (std::size_t i = 0; i + 1 < q.size(); ++i) {
    const double a = q[i], b = q[i + 1];
    m1 += (a + b) / 2 / segments;
    m2 += (a * a + a * b + b * b) / 3 / segments;
  }
  d.mean_ = m1;
  d.scv_ = m1 > 0 ? std::max(0.0, m2 - m1 * m1) / (m1 * m1) : 0;
  d.quantiles_ = std::move(q);
  return d;
}

double Distribution::sample(Rng& rng) const {
  if (!quantiles_.empty()) {
    const double h = rng.uniform() * static_cast<double>(quantiles_.size() - 1);
    const auto i = static_cast<std::size_t>(h);
    const double f = h - static_cast<double>(i);
    return quantiles_[i] + f * (quantiles_[std::min(i + 1, quantiles_.size() - 1)] - quantiles_[i]);
  }
  if (scv_ <= 0 || mean_ <= 0) return mean_;
  if (scv_ < 1) {
    const int k = rng.uniform() < p_ ? erlang_k_ - 1 : erlang_k_;
    // Product of uniforms: one log for the whole Erlang.
    double prod = 1;
    for (int i = 0; i < k; ++i) prod *= 1.0 - rng.uniform();
    return -std::log(prod) / rate1_;
  }
  if (scv_ > 1) {
    const double rate = rng.uniform() < p_ ? rate1_ : rate2_;
    return rng.exponential(1.0 / rate);
  }
  return rng.exponential(mean_);
}

double Distribution::cdf(double t) const {
  if (!quantiles_.empty()) {
    const auto& q = quantiles_;
    if (t < q.front()) return 0;
    if (t >= q.back()) return 1;
    const auto it = std::upper_bound(q.begin(), q.end(), t);
    const auto i = static_cast<std::size_t>(it - q.begin()) - 1;
    const double span = q[i + 1] - q[i];
    const double f = span > 0 ? (t - q[i]) / span : 1;
    return (static_cast<double>(i) + f) / static_cast<double>(q.size() - 1);
  }
  if (scv_ <= 0 || mean_ <= 0) return t >= mean_ ? 1 : 0;
  if (scv_ < 1)
    return p_ * erlang_cdf(erlang_k_ - 1, rate1_, t) + (1 - p_) * erlang_cdf(erlang_k_, rate1_, t);
  if (scv_ > 1)
    return t <= 0 ? 0 : p_ * (1 - std::exp(-rate1_ * t)) + (1 - p_) * (1 - std::exp(-rate2_ * t));
  return t <= 0 ? 0 : 1 - std::exp(-t / mean_);
}

double Distribution::quantile(double p) const {
  p = std::clamp(p, 0.0, 1.0);
  if (!quantiles_.empty()) {
    const double h = p * static_cast<double>(quantiles_.size() - 1);
    const auto i = std::min(static_cast<std::size_t>(h), quantiles_.size() - 2);
    const double f = h - static_cast<double>(i);
    return quantiles_[i] + f * (quantiles_[i + 1] - quantiles_[i]);
  }
  if (scv_ <= 0 || mean_ <= 0) return mean_;
  if (scv_ == 1) return p >= 1 ? 60 * mean_ : -mean_ * std::log1p(-p);
  // Bisection on the distribution function.
  double lo = 0, hi = mean_;
  for (int i = 0; i < 200 && cdf(hi) < p; ++i) hi *= 2;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (cdf(mid) < p ? lo : hi) = mid;
  }
  return hi;
}

Distribution Distribution::scaled(double factor) const {
  if (!quantiles_.empty()) {
    Distribution d = *this;
    d.mean_ *= factor;
    for (auto& q : d.quantiles_) q *= factor;
    if (factor == 0) d.scv_ = 0;
    return d;
  }
  return two_moment(mean_ * factor, factor > 0 ? scv_ : 0);
}

std::vector<double> Distribution::grid(int n) const {
  std::vector<double> g(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) g[static_cast<std::size_t>(i)] = quantile((i + 0.5) / n);
  return g;
}

std::string Distribution::describe() const {
  std::ostringstream s;
  if (!quantiles_.empty()) {
    s << "empirical(" << quantiles_.size() << " quantiles, mean " << mean_ << "s, scv " << scv_
      << ")";
  } else if (scv_ == 0) {
    s << "constant(" << mean_ << "s)";
  } else if (scv_ == 1) {
    s << "exponential(mean " << mean_ << "s)";
  } else {
    s << "two-moment(mean " << mean_ << "s, scv " << scv_ << ")";
  }
  return s.str();
}

nlohmann::json Distribution::to_json() const {
  nlohmann::json j = {{"mean_s", mean_}, {"scv", scv_}};
  if (!quantiles_.empty()) j["quantiles"] = quantiles_;
  return j;
}

Result<Distribution> Distribution::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) return make_error(what + ": expected an object");
  if (j.contains("quantiles")) {
    const auto& q = j["quantiles"];
    if (!q.is_array()) return make_error(what + ".quantiles: expected an array of seconds");
    std::vector<double> values;
    for (const auto& v : q) {
      if (!v.is_number()) return make_error(what + ".quantiles: expected numbers");
      values.push_back(v.get<double>());
    }
    auto d = from_quantiles(std::move(values));
    if (!d) return make_error(what + ".quantiles: " + d.error());
    return d;
  }
  if (!j.contains("mean_s") || !j["mean_s"].is_number())
    return make_error(what + ": missing field mean_s (seconds)");
  const double mean = j["mean_s"].get<double>();
  const double scv = j.value("scv", 1.0);
  if (!std::isfinite(mean) || mean < 0) return make_error(what + ".mean_s: must be >= 0");
  if (!std::isfinite(scv) || scv < 0) return make_error(what + ".scv: must be >= 0");
  return two_moment(mean, scv);
}

}  // namespace faaslab::model
