// Open queues: requests arrive at rate λ and are served by c servers of mean service time S.
// Hand-written (no Debian package offers these); each function names its textbook source.
// Pure functions, thread-safe. Callers check λ > 0, S > 0, c >= 1.
#pragma once

#include <vector>

namespace faaslab::model {

// Erlang B (loss) and Erlang C (delay) probabilities for c servers and offered load a = λS,
// by the stable recursion B(k) = a B(k-1) / (k + a B(k-1)). Erlang C requires a < c.
double erlang_b(int servers, double offered);
double erlang_c(int servers, double offered);

// M/M/c FCFS (Kleinrock, "Queueing Systems" vol. 1, §3.5; Gross & Harris §2.3).
struct MmcResult {
  double wait_probability = 0;  // P(W > 0) = Erlang C
  double mean_wait = 0, mean_response = 0;
  double mean_queue = 0, mean_in_system = 0;
  double utilization = 0;  // per server, λS/c
};
MmcResult mmc(double lambda, double service, int servers);
// P(W > t) = C e^{-(cμ-λ)t} and P(R > t) for R = W + S (S exponential) in closed form.
double mmc_wait_tail(double lambda, double service, int servers, double t);
double mmc_response_tail(double lambda, double service, int servers, double t);

// Allen–Cunneen approximation of the mean wait in a GI/G/c queue: W_q(M/M/c) (ca² + cs²)/2.
// Exact for M/M/c and for M/G/1 (where it is Pollaczek–Khinchine).
double allen_cunneen_wait(double lambda, double service, int servers, double ca2, double cs2);

// M/G/1 (Pollaczek–Khinchine): mean wait ρ S (1 + cs²) / (2 (1 - ρ)).
double mg1_wait(double lambda, double service, double cs2);

// A finite birth-death queue M/M/c/K (K in system, K >= c): blocking and means. Exact also for
// processor sharing with the same total rate min(n, c)/S (insensitivity, Kelly 1979).
struct FiniteResult {
  double blocking = 0;  // P(an arrival finds K present)
  double throughput = 0, mean_in_system = 0, mean_response = 0, mean_queue = 0;
  std::vector<double> distribution;  // P(n present), n = 0..K
};
FiniteResult mmck(double lambda, double service, int servers, int capacity);

// Deterministic patience: M/M/c+D, customers leave when their wait reaches τ
// (Brandt & Brandt 1999; the virtual-waiting-time density f(v) = λ p_{c-1} e^{-(cμ-λ)v} on
// (0, τ), decaying at rate cμ beyond it). Stable for any λ.
struct AbandonResult {
  double wait_probability = 0;     // P(W > 0)
  double abandon_probability = 0;  // P(the wait reaches the patience)
  double mean_wait = 0;            // mean time in queue over all arrivals (served or not)
  double mean_queue = 0;           // mean number waiting (Little on the queue)
};
AbandonResult mmc_deterministic_patience(double lambda, double service, int servers, double tau);
// Exponential patience with mean 1/θ: Erlang-A (Palm 1946; Garnett, Mandelbaum & Reiman 2002),
// as a birth-death chain with death rates min(n, c)μ + (n-c)⁺θ, truncated where its terms
// vanish.
AbandonResult erlang_a(double lambda, double service, int servers, double mean_patience);

}  // namespace faaslab::model
