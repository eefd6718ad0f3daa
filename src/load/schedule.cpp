#include "load/schedule.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/number.h"

namespace faaslab::load {

Result<ThinkDistribution> think_distribution_from_name(const std::string& name) {
  if (name == "constant") return ThinkDistribution::kConstant;
  if (name == "exponential") return ThinkDistribution::kExponential;
  if (name == "uniform") return ThinkDistribution::kUniform;
  return make_error("unknown think-time distribution '" + name +
                    "' (constant, exponential or uniform)");
}

ThinkTime::ThinkTime(Micros mean, ThinkDistribution dist, std::uint64_t seed)
    : mean_(mean), dist_(dist), rng_(seed) {}

Micros ThinkTime::next() {
  if (mean_.count() <= 0) return Micros{0};
  const double m = static_cast<double>(mean_.count());
  switch (dist_) {
    case ThinkDistribution::kConstant:
      return mean_;
    case ThinkDistribution::kExponential:
      return Micros(
          static_cast<std::int64_t>(std::exponential_distribution<double>(1.0 / m)(rng_)));
    case ThinkDistribution::kUniform:
      return Micros(
          static_cast<std::int64_t>(std::uniform_real_distribution<double>(0, 2 * m)(rng_)));
  }
  return mean_;
}

Result<ArrivalProcess> arrival_process_from_name(const std::string& name) {
  if (name == "constant") return ArrivalProcess::kConstant;
  if (name == "poisson") return ArrivalProcess::kPoisson;
  return make_error("unknown arrival process '" + name + "' (constant or poisson)");
}

Micros RateProfile::total_duration() const {
  Micros total{0};
  for (const auto& s : stages) total += s.duration;
  return total;
}

namespace {

Result<std::vector<RateStage>> parse_stages(const std::string& text, bool steps) {
  std::vector<RateStage> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos)
      return make_error("stage '" + item + "': expected DURATION:RATE, e.g. 30s:100");
    auto d = parse_duration(item.substr(0, colon));
    if (!d) return make_error("stage '" + item + "': " + d.error());
    const auto parsed = parse_double(item.substr(colon + 1));
    if (!parsed) return make_error("stage '" + item + "': the rate must be a number of requests/s");
    const double rate = *parsed;
    if (!(rate >= 0) || !std::isfinite(rate))
      return make_error("stage '" + item + "': the rate must be >= 0");
    if (steps) out.push_back({Micros{0}, rate});  // jump to the rate, then hold it
    out.push_back({*d, rate});
  }
  if (out.empty()) return make_error("no stages given");
  return out;
}

}  // namespace

Result<std::vector<RateStage>> parse_ramp_stages(const std::string& text) {
  return parse_stages(text, false);
}
Result<std::vector<RateStage>> parse_step_stages(const std::string& text) {
  return parse_stages(text, true);
}

Result<std::vector<Micros>> load_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read trace file '" + path + "'");
  std::vector<Micros> out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::string field = line.substr(first, line.find_first_of(",\t\r ", first) - first);
    const auto parsed = parse_double(field);
    if (!parsed) {
      if (out.empty() && number == 1) continue;  // a header line
      return make_error(path + ":" + std::to_string(number) + ": '" + field +
                        "' is not a time in seconds");
    }
    const auto time = duration_from_seconds(*parsed);
    if (!time) return make_error(path + ":" + std::to_string(number) + ": " + time.error());
    const Micros t = *time;
    if (!out.empty() && t < out.back())
      return make_error(path + ":" + std::to_string(number) + ": times must not decrease");
    out.push_back(t);
  }
  if (out.empty()) return make_error("trace file '" + path + "' holds no send times");
  return out;
}

ArrivalStream::ArrivalStream(RateProfile profile, ArrivalProcess process, Micros end,
                             std::uint64_t seed)
    : profile_(std::move(profile)), process_(process), end_(end), rng_(seed) {}

ArrivalStream::ArrivalStream(const std::vector<Micros>* trace, Micros end)
    : trace_(trace), end_(end) {}

void ArrivalStream::take_share(std::uint64_t every, std::uint64_t phase) {
  if (every > 1) shares_.emplace_back(every, phase % every);
}

// Time at which the integral of the rate from 0 reaches `units` (requests), or a huge value if
// the rate is 0 from some point on and never gets there.
Micros ArrivalStream::invert(double units) const {
  constexpr auto kNever = Micros(std::numeric_limits<std::int64_t>::max() / 4);
  double t0 = 0, rate = profile_.start_rps, done = 0;  // seconds, req/s, requests
  for (const auto& s : profile_.stages) {
    const double d = to_seconds(s.duration);
    const double a = rate, b = s.target_rps;
    const double in_stage = (a + b) / 2 * d;
    if (done + in_stage >= units && d > 0) {
      // Solve a·x + (b−a)/(2d)·x² = c for x in [0, d] in the cancellation-free form.
      const double c = units - done, slope = (b - a) / d;
      const double x = c <= 0 ? 0 : 2 * c / (a + std::sqrt(std::max(0.0, a * a + 2 * slope * c)));
      return from_seconds(t0 + std::min(x, d));
    }
    done += in_stage;
    t0 += d;
    rate = b;
  }
  if (rate <= 0) return kNever;
  const double t = t0 + (units - done) / rate;
  return t < to_seconds(kNever) ? from_seconds(t) : kNever;  // a tiny rate: practically never
}

std::optional<Micros> ArrivalStream::raw_next() {
  Micros t;
  if (trace_) {
    if (raw_index_ >= trace_->size()) return std::nullopt;
    t = (*trace_)[raw_index_];
  } else {
    if (process_ == ArrivalProcess::kPoisson) {
      // Unit-rate Poisson points mapped through the cumulative rate: a (non-homogeneous)
      // Poisson process with the profile's rate.
      units_ += std::exponential_distribution<double>(1.0)(rng_);
    } else {
      units_ = static_cast<double>(raw_index_);
    }
    t = invert(units_);
  }
  if (end_.count() > 0 && t >= end_) return std::nullopt;
  ++raw_index_;
  return t;
}

std::optional<ArrivalStream::Arrival> ArrivalStream::next() {
  for (;;) {
    const std::uint64_t index = raw_index_;
    auto t = raw_next();
    if (!t) return std::nullopt;
    // Apply the filters in order: each sees only the arrivals the previous ones kept.
    std::uint64_t position = index;
    bool keep = true;
    for (const auto& [every, phase] : shares_) {
      if (position % every != phase) {
        keep = false;
        break;
      }
      position /= every;
    }
    if (keep) return Arrival{index, *t};
  }
}

}  // namespace faaslab::load
