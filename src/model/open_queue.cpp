#include "model/open_queue.h"

#include <algorithm>
#include <cmath>

namespace faaslab::model {

double erlang_b(int servers, double a) {
  double b = 1.0;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c(int servers, double a) {
  const double b = erlang_b(servers, a);
  const double rho = a / servers;
  if (rho >= 1) return 1.0;
  return b / (1 - rho * (1 - b));
}

MmcResult mmc(double lambda, double service, int servers) {
  MmcResult r;
  const double a = lambda * service;
  const double mu = 1.0 / service;
  r.utilization = a / servers;
  r.wait_probability = erlang_c(servers, a);
  r.mean_wait = r.wait_probability / (servers * mu - lambda);
  r.mean_response = r.mean_wait + service;
  r.mean_queue = lambda * r.mean_wait;
  r.mean_in_system = lambda * r.mean_response;
  return r;
}

double mmc_wait_tail(double lambda, double service, int servers, double t) {
  if (t < 0) return 1.0;
  const double c = erlang_c(servers, lambda * service);
  return c * std::exp(-(servers / service - lambda) * t);
}

double mmc_response_tail(double lambda, double service, int servers, double t) {
  if (t <= 0) return 1.0;
  const double mu = 1.0 / service;
  const double c = erlang_c(servers, lambda * service);
  const double gap = servers * mu - lambda - mu;  // rate of the wait minus the service's
  // R = W + S with W = 0 w.p. 1-C, else Exp(cμ-λ); S ~ Exp(μ).
  if (std::abs(gap) < 1e-12 * mu) return std::exp(-mu * t) * (1 + c * mu * t);
  return std::exp(-mu * t) * (1 + c * mu / gap * (1 - std::exp(-gap * t)));
}

double allen_cunneen_wait(double lambda, double service, int servers, double ca2, double cs2) {
  return mmc(lambda, service, servers).mean_wait * (ca2 + cs2) / 2;
}

double mg1_wait(double lambda, double service, double cs2) {
  const double rho = lambda * service;
  return rho * service * (1 + cs2) / (2 * (1 - rho));
}

FiniteResult mmck(double lambda, double service, int servers, int capacity) {
  FiniteResult r;
  const double mu = 1.0 / service;
  std::vector<double> w(static_cast<std::size_t>(capacity) + 1, 0.0);
  for (int n = 1; n <= capacity; ++n)
    w[static_cast<std::size_t>(n)] =
        w[static_cast<std::size_t>(n - 1)] + std::log(lambda / (std::min(n, servers) * mu));
  const double top = *std::max_element(w.begin(), w.end());
  double total = 0;
  for (auto& v : w) total += (v = std::exp(v - top));
  for (auto& v : w) v /= total;
  r.distribution = w;
  r.blocking = w.back();
  r.throughput = lambda * (1 - r.blocking);
  for (int n = 0; n <= capacity; ++n) {
    r.mean_in_system += n * w[static_cast<std::size_t>(n)];
    r.mean_queue += std::max(0, n - servers) * w[static_cast<std::size_t>(n)];
  }
  r.mean_response = r.throughput > 0 ? r.mean_in_system / r.throughput : 0;
  return r;
}

AbandonResult mmc_deterministic_patience(double lambda, double service, int servers, double tau) {
  AbandonResult r;
  const double mu = 1.0 / service;
  const double a = lambda / mu;
  // Unnormalised p_k for k < c (p_0 = 1), then the density of the virtual wait.
  std::vector<double> p(static_cast<std::size_t>(servers), 1.0);
  double sum = 1.0;
  for (int k = 1; k < servers; ++k) {
    p[static_cast<std::size_t>(k)] = p[static_cast<std::size_t>(k - 1)] * a / k;
    sum += p[static_cast<std::size_t>(k)];
  }
  const double f0 = lambda * p.back();  // f(0+)
  const double g = servers * mu - lambda;
  // ∫_0^τ f, f(τ), ∫_τ^∞ f and the first moments (for the mean wait of those served and
  // the waiting time of those who abandon: τ).
  auto integral = [&](double rate, double upto) {  // ∫_0^upto e^{-rate v} dv
    return std::abs(rate) < 1e-15 ? upto : (1 - std::exp(-rate * upto)) / rate;
  };
  auto first_moment = [&](double rate, double upto) {  // ∫_0^upto v e^{-rate v} dv
    if (std::abs(rate) < 1e-15) return upto * upto / 2;
    const double e = std::exp(-rate * upto);
    return (1 - e * (1 + rate * upto)) / (rate * rate);
  };
  const double below = f0 * integral(g, tau);
  const double f_tau = f0 * std::exp(-g * tau);
  const double above = f_tau / (servers * mu);
  const double total = sum + below + above;
  r.wait_probability = (below + above) / total;
  r.abandon_probability = above / total;
  // Served customers wait their offered wait v <= τ; the others wait τ.
  r.mean_wait = (f0 * first_moment(g, tau) + tau * above) / total;
  r.mean_queue = lambda * r.mean_wait;
  return r;
}

AbandonResult erlang_a(double lambda, double service, int servers, double mean_patience) {
  AbandonResult r;
  const double mu = 1.0 / service;
  const double theta = 1.0 / mean_patience;
  std::vector<double> w{0.0};
  // Grow the chain until its terms are negligible (bounded: 10^6 states).
  for (int n = 1; n < 1000000; ++n) {
    const double death = std::min(n, servers) * mu + std::max(0, n - servers) * theta;
    w.push_back(w.back() + std::log(lambda / death));
    if (n > servers && w.back() < w[static_cast<std::size_t>(servers)] - 50) break;
  }
  const double top = *std::max_element(w.begin(), w.end());
  double total = 0;
  for (auto& v : w) total += (v = std::exp(v - top));
  double queue = 0, wait_states = 0;
  for (std::size_t n = 0; n < w.size(); ++n) {
    const double pn = w[n] / total;
    if (static_cast<int>(n) >= servers) wait_states += pn;
    queue += std::max(0, static_cast<int>(n) - servers) * pn;
  }
  r.wait_probability = wait_states;  // PASTA: an arrival waits when all servers are busy
  r.mean_queue = queue;
  r.abandon_probability = theta * queue / lambda;  // abandonment flow over arrival flow
  r.mean_wait = queue / lambda;
  return r;
}

}  // namespace faaslab::model
