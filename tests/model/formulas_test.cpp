// The formulas against textbook values (issue 6) and against each other.
#include <gtest/gtest.h>

#include <cmath>

#include "model/closed_network.h"
#include "model/open_queue.h"

namespace faaslab::model {
namespace {

// Machine repairman: N = 30 users, Z = 5 s, one 4-server station, S = 2 s (exponential).
TEST(ClosedNetwork, MachineRepairmanTextbookValues) {
  const auto r = repairman(30, 5.0, Station{2.0, 4});
  const auto ld = mva_load_dependent(30, 5.0, {Station{2.0, 4}});
  EXPECT_NEAR(ld.throughput, r.throughput, 1e-9);
  EXPECT_NEAR(ld.response, r.response, 1e-9);
  EXPECT_NEAR(r.throughput, 2.000, 5e-4);
  EXPECT_NEAR(r.response, 10.00, 5e-3);
  // Response time law: R = N/X - Z.
  EXPECT_NEAR(r.response, 30 / r.throughput - 5.0, 1e-9);
}

TEST(ClosedNetwork, LoadDependentMvaEqualsTheClosedForm) {
  for (int servers : {1, 2, 4, 7}) {
    for (std::uint64_t n : {1u, 2u, 5u, 30u, 100u}) {
      const auto closed = repairman(n, 5.0, Station{2.0, servers});
      const auto ld = mva_load_dependent(n, 5.0, {Station{2.0, servers}});
      EXPECT_NEAR(ld.throughput, closed.throughput, 1e-9 * closed.throughput)
          << servers << " servers, N " << n;
      EXPECT_NEAR(ld.response, closed.response, 1e-9 * closed.response);
      ASSERT_EQ(ld.arrival_distribution.size(), closed.arrival_distribution.size());
      // The marginals themselves drift where the station saturates (the recursion's known
      // weakness; the closed form is used for tails there).
      if (n <= 30) {
        for (std::size_t j = 0; j < ld.arrival_distribution.size(); ++j)
          EXPECT_NEAR(ld.arrival_distribution[j], closed.arrival_distribution[j], 1e-6);
      }
    }
  }
}

// Random routing over 4 single-server replicas: 4 stations of demand S/4.
TEST(ClosedNetwork, RandomRoutingOverFourReplicas) {
  const std::vector<double> d(4, 0.5);
  const auto exact = mva_exact(30, 5.0, d);
  EXPECT_NEAR(exact.throughput, 1.749, 1e-3);
  const auto sb = schweitzer(30, 5.0, std::vector<Station>(4, Station{0.5, 1}));
  EXPECT_NEAR(sb.throughput, 1.733, 1e-3);
  // Load-dependent MVA with single servers is exact MVA.
  const auto ld = mva_load_dependent(30, 5.0, std::vector<Station>(4, Station{0.5, 1}));
  EXPECT_NEAR(ld.throughput, exact.throughput, 1e-9);
  // Routing to a central queue (machine repairman) does better than random routing.
  EXPECT_GT(repairman(30, 5.0, Station{2.0, 4}).throughput, exact.throughput);
}

TEST(ClosedNetwork, BoundsAndKnee) {
  const auto b = asymptotic_bounds(5.0, {Station{2.0, 4}});
  EXPECT_DOUBLE_EQ(b.max_throughput, 2.0);
  EXPECT_DOUBLE_EQ(b.knee_users, 14.0);  // (D + Z) X_max
  for (std::uint64_t n : {1u, 5u, 14u, 30u, 200u}) {
    const auto r = repairman(n, 5.0, Station{2.0, 4});
    EXPECT_LE(r.throughput, std::min(n / 7.0, 2.0) + 1e-12);
    EXPECT_GE(r.response, 2.0 - 1e-12);
  }
}

TEST(ClosedNetwork, ExactMvaScalesToTenThousandUsers) {
  // Four balanced bottlenecks: X approaches 1/D = 2 like N/(N + K - 1) does.
  const auto r = mva_exact(10000, 5.0, {0.5, 0.5, 0.5, 0.5});
  EXPECT_LT(r.throughput, 2.0);
  EXPECT_GT(r.throughput, 2.0 * 10000 / 10004.0);
  EXPECT_NEAR(r.response, 10000 / r.throughput - 5.0, 1e-6);
  const auto big = repairman(10000, 5.0, Station{2.0, 4});
  EXPECT_NEAR(big.throughput, 2.0, 1e-9);
}

TEST(ClosedNetwork, SchweitzerApproachesExactForLargeN) {
  const auto exact = mva_exact(500, 1.0, {0.5, 0.3, 0.2});
  const auto sb = schweitzer(500, 1.0, {Station{0.5, 1}, Station{0.3, 1}, Station{0.2, 1}});
  EXPECT_NEAR(sb.throughput, exact.throughput, 1e-4);
}

TEST(OpenQueue, ErlangValues) {
  // Erlang B(4, 3.2) and C(4, 3.2) by hand from the recursion.
  EXPECT_NEAR(erlang_b(4, 3.2), 0.22815, 1e-5);
  EXPECT_NEAR(erlang_c(4, 3.2), 0.59644, 1e-5);
  EXPECT_NEAR(erlang_c(1, 0.5), 0.5, 1e-12);  // M/M/1: P(wait) = ρ
}

// M/M/4, λ = 1.6/s, S = 2 s: P(R > 10 s) = 0.0413.
TEST(OpenQueue, MmcResponseTail) {
  EXPECT_NEAR(mmc_response_tail(1.6, 2.0, 4, 10.0), 0.0413, 5e-5);
  // The tail integrates to the mean: E[R] = ∫ P(R > t) dt.
  double integral = 0;
  const double h = 0.001;
  for (double t = 0; t < 200; t += h) integral += h * mmc_response_tail(1.6, 2.0, 4, t + h / 2);
  EXPECT_NEAR(integral, mmc(1.6, 2.0, 4).mean_response, 1e-4);
}

// M/M/c+D, λ = 1.6, S = 2, c = 4, τ = 2: P(wait > 0) = 0.4863, P(abandon) = 0.0682.
TEST(OpenQueue, DeterministicPatience) {
  const auto r = mmc_deterministic_patience(1.6, 2.0, 4, 2.0);
  EXPECT_NEAR(r.wait_probability, 0.4863, 5e-5);
  EXPECT_NEAR(r.abandon_probability, 0.0682, 5e-5);
  // Infinite patience is M/M/c.
  const auto inf = mmc_deterministic_patience(1.6, 2.0, 4, 1e6);
  EXPECT_NEAR(inf.wait_probability, erlang_c(4, 3.2), 1e-9);
  EXPECT_NEAR(inf.abandon_probability, 0, 1e-12);
  EXPECT_NEAR(inf.mean_wait, mmc(1.6, 2.0, 4).mean_wait, 1e-9);
}

TEST(OpenQueue, ErlangAAgreesWithTheLimits) {
  // Very patient customers: M/M/c.
  const auto patient = erlang_a(1.6, 2.0, 4, 1e9);
  EXPECT_NEAR(patient.wait_probability, erlang_c(4, 3.2), 1e-6);
  // Stable even when overloaded.
  const auto over = erlang_a(3.0, 2.0, 4, 1.0);
  EXPECT_GT(over.abandon_probability, 0.3);
  EXPECT_LT(over.abandon_probability, 1.0);
  // Flow balance: served = λ(1 - P(abandon)) equals the busy servers' rate.
}

TEST(OpenQueue, Mg1AndAllenCunneen) {
  // P-K for exponential service is M/M/1: W = ρS/(1-ρ).
  EXPECT_NEAR(mg1_wait(0.4, 2.0, 1.0), 0.8 * 2 / 0.2, 1e-12);
  // Deterministic service halves it (M/D/1).
  EXPECT_NEAR(mg1_wait(0.4, 2.0, 0.0), 0.8 * 2 / 0.2 / 2, 1e-12);
  // Allen–Cunneen is exact for M/M/c and for M/G/1.
  EXPECT_NEAR(allen_cunneen_wait(1.6, 2.0, 4, 1, 1), mmc(1.6, 2.0, 4).mean_wait, 1e-12);
  EXPECT_NEAR(allen_cunneen_wait(0.4, 2.0, 1, 1, 0.3), mg1_wait(0.4, 2.0, 0.3), 1e-12);
}

TEST(OpenQueue, FiniteQueueBlocking) {
  // M/M/1/K: P_K = (1-ρ)ρ^K / (1-ρ^{K+1}).
  const double rho = 0.8;
  const auto r = mmck(0.4, 2.0, 1, 5);
  EXPECT_NEAR(r.blocking, (1 - rho) * std::pow(rho, 5) / (1 - std::pow(rho, 6)), 1e-12);
  // Erlang B is M/M/c/c.
  EXPECT_NEAR(mmck(1.6, 2.0, 4, 4).blocking, erlang_b(4, 3.2), 1e-12);
  // A large K approaches M/M/c.
  EXPECT_NEAR(mmck(1.6, 2.0, 4, 400).mean_response, mmc(1.6, 2.0, 4).mean_response, 1e-9);
}

}  // namespace
}  // namespace faaslab::model
