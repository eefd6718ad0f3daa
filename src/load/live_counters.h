// Counters the workers bump as requests end and the progress line reads while they run:
// relaxed atomics only, so the hot path never takes a lock. The latency histogram is coarse
// (8 buckets per power of two, ≤ 12% wide) — good enough for a progress display; the exact
// figures come from the per-worker histograms merged at the end.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace faaslab::load {

class LiveCounters {
 public:
  // active: closed model, users not finished; open model, requests outstanding.
  std::atomic<std::uint64_t> sent{0}, done{0}, failed{0}, dropped{0}, active{0};
  // Of `done`: requests that failed to connect, and that timed out.
  std::atomic<std::uint64_t> connect_failed{0}, timeouts{0};

  void record_latency(std::int64_t us) {
    hist_[index(us < 0 ? 0 : static_cast<std::uint64_t>(us))].fetch_add(1,
                                                                        std::memory_order_relaxed);
  }
  // Approximate percentile (lower edge of the bucket), q in [0, 1]; 0 if nothing recorded.
  std::int64_t percentile(double q) const {
    std::array<std::uint64_t, kBuckets> snap{};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kBuckets; ++i)
      total += snap[i] = hist_[i].load(std::memory_order_relaxed);
    if (total == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += snap[i];
      if (seen >= rank) return static_cast<std::int64_t>(low(i));
    }
    return 0;
  }

 private:
  static constexpr std::size_t kBuckets = 512;
  static std::size_t index(std::uint64_t v) {
    if (v < 16) return v;
    const int b = std::bit_width(v) - 4;
    return static_cast<std::size_t>(8 * b) + static_cast<std::size_t>(v >> b);
  }
  static std::uint64_t low(std::size_t i) {
    if (i < 16) return i;
    const std::size_t b = i / 8 - 1;
    return (i - 8 * b) << b;
  }
  std::array<std::atomic<std::uint64_t>, kBuckets> hist_{};
};

}  // namespace faaslab::load
