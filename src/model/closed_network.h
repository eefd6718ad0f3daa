// Closed queueing networks: N users cycling between a think (delay) station of mean Z and
// queueing stations. Hand-written because no Debian package offers them; each function names
// its textbook source. Stations are multi-server FCFS (exponential) or processor-sharing ones:
// the total service rate with j requests present is min(j, servers) / demand, so servers = 1
// is a plain queue and servers = 0 means "unlimited" (a delay station).
//
// All functions are pure and thread-safe. Inputs are checked by the callers (model/predict).
#pragma once

#include <cstdint>
#include <vector>

namespace faaslab::model {

struct Station {
  double demand = 0;  // seconds of service per user cycle (visit ratio × service time)
  int servers = 1;    // 0 = infinite servers
};

struct ClosedResult {
  double throughput = 0;  // user cycles per second
  double response = 0;    // seconds per cycle at the stations (think excluded)
  std::vector<double> station_response, station_queue;  // per station: seconds, mean number
  // Arrival theorem: the distribution of the number at station 0 that an arriving user finds,
  // i.e. the marginal of the network with N - 1 users (filled where the method yields it).
  std::vector<double> arrival_distribution;
  int iterations = 0;  // approximate methods
};

// Exact MVA for single-server (load-independent) stations: Reiser & Lavenberg (1980);
// Lazowska et al., "Quantitative System Performance" (1984), ch. 6. O(N × K).
ClosedResult mva_exact(std::uint64_t users, double think, const std::vector<double>& demands);

// Exact load-dependent MVA with multi-server stations through marginal queue-length
// probabilities (Lazowska et al. ch. 8; Menasce et al. 2004). O(N² × K); fills the arrival
// distribution of station 0.
ClosedResult mva_load_dependent(std::uint64_t users, double think,
                                const std::vector<Station>& stations);

// One multi-server station and the think station: the machine-repairman (finite-source)
// birth-death chain in closed form, computed in log space. O(N); exact for any N.
ClosedResult repairman(std::uint64_t users, double think, const Station& station);

// Schweitzer–Bard approximate MVA (Q_k(N-1) ≈ (N-1)/N · Q_k(N)); multi-server stations by
// Seidmann's approximation (a server of demand D/c plus a delay of D(c-1)/c).
ClosedResult schweitzer(std::uint64_t users, double think, const std::vector<Station>& stations);

// Asymptotic bounds (Lazowska ch. 5) and the knee N* where the two throughput asymptotes meet.
struct Bounds {
  double max_throughput = 0;  // 1 / max_k(D_k / c_k); infinite without queueing stations
  double min_response = 0;    // sum of demands
  double knee_users = 0;      // N* = (D + Z) × max_throughput
};
Bounds asymptotic_bounds(double think, const std::vector<Station>& stations);

}  // namespace faaslab::model
