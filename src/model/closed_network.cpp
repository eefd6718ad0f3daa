#include "model/closed_network.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace faaslab::model {
namespace {

double alpha(std::uint64_t j, int servers) {
  if (servers <= 0) return static_cast<double>(j);
  return static_cast<double>(std::min<std::uint64_t>(j, static_cast<std::uint64_t>(servers)));
}

}  // namespace

ClosedResult mva_exact(std::uint64_t users, double think, const std::vector<double>& demands) {
  ClosedResult r;
  const std::size_t k = demands.size();
  std::vector<double> q(k, 0.0), rk(k, 0.0);
  double x = 0;
  for (std::uint64_t n = 1; n <= users; ++n) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) {
      rk[i] = demands[i] * (1.0 + q[i]);
      total += rk[i];
    }
    x = static_cast<double>(n) / (think + total);
    for (std::size_t i = 0; i < k; ++i) q[i] = x * rk[i];
  }
  r.throughput = x;
  r.station_response = rk;
  r.station_queue = q;
  for (double v : rk) r.response += v;
  if (users == 0) r.station_response.assign(k, 0.0), r.response = 0;
  return r;
}

ClosedResult mva_load_dependent(std::uint64_t users, double think,
                                const std::vector<Station>& stations) {
  ClosedResult r;
  const std::size_t k = stations.size();
  const std::size_t n_max = static_cast<std::size_t>(users);
  // p[i][j]: probability of j users at station i with the current population.
  // Long double: the marginals below c are amplified near saturation (see below).
  std::vector<std::vector<long double>> p(k, std::vector<long double>(n_max + 1, 0.0L));
  for (auto& pi : p) pi[0] = 1.0L;
  std::vector<long double> rk(k, 0.0L), q(k, 0.0L), prev_arrival;
  long double x = 0;
  for (std::size_t n = 1; n <= n_max; ++n) {
    if (n == n_max) prev_arrival.assign(p[0].begin(), p[0].begin() + static_cast<long>(n));
    long double total = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& s = stations[i];
      if (s.servers <= 0) {
        rk[i] = s.demand;  // delay station
      } else {
        // R = D/c [1 + Q(n-1) + Σ_{j<c-1} (c-1-j) p(j|n-1)]: only the marginals below c enter,
        // which keeps the recursion stable near saturation (Menascé, Almeida & Dowdy 2004).
        const int c = s.servers;
        long double extra = 0;
        for (int j = 0; j + 1 < c && static_cast<std::size_t>(j) < n; ++j)
          extra += (c - 1 - j) * p[i][static_cast<std::size_t>(j)];
        rk[i] = static_cast<long double>(s.demand) / c * (1.0L + q[i] + extra);
      }
      total += rk[i];
    }
    x = static_cast<long double>(n) / (static_cast<long double>(think) + total);
    for (std::size_t i = 0; i < k; ++i) {
      q[i] = x * rk[i];
      const auto& s = stations[i];
      if (s.servers <= 0) continue;
      // New marginals from the old ones (downwards so p[i][j-1] is still the old value).
      for (std::size_t j = n; j >= 1; --j)
        p[i][j] = static_cast<long double>(s.demand) * x / alpha(j, s.servers) * p[i][j - 1];
      // p(0) from the utilisation law Σ min(j, c) p(j) = X D, which involves only j < c.
      const int c = s.servers;
      long double below = 0;
      for (int j = 1; j < c && static_cast<std::size_t>(j) <= n; ++j)
        below += (c - j) * p[i][static_cast<std::size_t>(j)];
      p[i][0] = std::max(0.0L, 1.0L - (x * static_cast<long double>(s.demand) + below) / c);
    }
  }
  r.throughput = static_cast<double>(x);
  for (std::size_t i = 0; i < k; ++i) {
    r.station_response.push_back(static_cast<double>(rk[i]));
    r.station_queue.push_back(static_cast<double>(q[i]));
    r.response += static_cast<double>(rk[i]);
  }
  // The arrival distribution, normalised against rounding.
  long double sum = 0;
  for (auto v : prev_arrival) sum += v;
  for (auto v : prev_arrival)
    r.arrival_distribution.push_back(static_cast<double>(sum > 0 ? v / sum : v));
  return r;
}

ClosedResult repairman(std::uint64_t users, double think, const Station& station) {
  ClosedResult r;
  const std::size_t n = static_cast<std::size_t>(users);
  r.station_response.assign(1, 0.0);
  r.station_queue.assign(1, 0.0);
  if (n == 0) return r;
  const double d = station.demand;
  if (think <= 0 || d <= 0) {
    // Degenerate chain: everyone at the station (Z = 0) or nobody waits (D = 0).
    if (d <= 0) {
      r.throughput =
          think > 0 ? static_cast<double>(n) / think : std::numeric_limits<double>::infinity();
      r.arrival_distribution.assign(1, 1.0);
      return r;
    }
    r.throughput = alpha(n, station.servers) / d;
    r.response = static_cast<double>(n) / r.throughput;
    r.station_response[0] = r.response;
    r.station_queue[0] = static_cast<double>(n);
    r.arrival_distribution.assign(n, 0.0);
    r.arrival_distribution[n - 1] = 1.0;
    return r;
  }
  // log π_j(N) = Σ_{i<=j} [log((N-i+1)/Z) - log(α(i)/D)]; π(·|N-1) for the arrival theorem.
  auto chain = [&](std::size_t pop) {
    std::vector<double> w(pop + 1, 0.0);
    for (std::size_t j = 1; j <= pop; ++j) {
      w[j] = w[j - 1] + std::log(static_cast<double>(pop - j + 1) / think) -
             std::log(alpha(j, station.servers) / d);
    }
    const double top = *std::max_element(w.begin(), w.end());
    double total = 0;
    for (auto& v : w) total += (v = std::exp(v - top));
    for (auto& v : w) v /= total;
    return w;
  };
  const auto pi = chain(n);
  double x = 0, q = 0;
  for (std::size_t j = 0; j <= n; ++j) {
    x += pi[j] * alpha(j, station.servers) / d;
    q += pi[j] * static_cast<double>(j);
  }
  r.throughput = x;
  r.response = q / x;
  r.station_response[0] = r.response;
  r.station_queue[0] = q;
  r.arrival_distribution = chain(n - 1);
  return r;
}

ClosedResult schweitzer(std::uint64_t users, double think, const std::vector<Station>& stations) {
  ClosedResult r;
  const std::size_t k = stations.size();
  const double n = static_cast<double>(users);
  r.station_response.assign(k, 0.0);
  r.station_queue.assign(k, 0.0);
  if (users == 0) return r;
  std::vector<double> q(k, n / static_cast<double>(std::max<std::size_t>(k, 1))), rk(k, 0.0);
  double x = 0;
  int it = 0;
  for (; it < 100000; ++it) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& s = stations[i];
      if (s.servers <= 0) {
        rk[i] = s.demand;
      } else {
        const double c = s.servers;
        // Seidmann: queue with demand D/c plus delay D(c-1)/c.
        rk[i] = s.demand / c * (1.0 + (n - 1) / n * q[i]) + s.demand * (c - 1) / c;
      }
      total += rk[i];
    }
    x = n / (think + total);
    double change = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const double next = x * rk[i];
      change = std::max(change, std::abs(next - q[i]));
      q[i] = next;
    }
    if (change < 1e-12 * std::max(1.0, n)) break;
  }
  r.throughput = x;
  r.station_response = rk;
  r.station_queue = q;
  for (double v : rk) r.response += v;
  r.iterations = it + 1;
  return r;
}

Bounds asymptotic_bounds(double think, const std::vector<Station>& stations) {
  Bounds b;
  double max_per_server = 0;
  for (const auto& s : stations) {
    b.min_response += s.demand;
    if (s.servers > 0) max_per_server = std::max(max_per_server, s.demand / s.servers);
  }
  b.max_throughput =
      max_per_server > 0 ? 1.0 / max_per_server : std::numeric_limits<double>::infinity();
  b.knee_users = max_per_server > 0 ? (b.min_response + think) * b.max_throughput
                                    : std::numeric_limits<double>::infinity();
  return b;
}

}  // namespace faaslab::model
