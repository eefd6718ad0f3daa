#include "runtime/events.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace faaslab::runtime {

namespace {
constexpr std::size_t kKeep = 100000;
}

nlohmann::json ReplicaEvent::to_json() const {
  nlohmann::json j = {{"seq", seq},
                      {"wall_us", wall_us},
                      {"mono_us", mono_us},
                      {"function", function},
                      {"kind", kind}};
  if (!replica.empty()) j["replica"] = replica;
  if (seconds >= 0) j["seconds"] = seconds;
  if (from >= 0) j["from"] = from;
  if (to >= 0) j["to"] = to;
  if (!detail.empty()) j["detail"] = detail;
  return j;
}

EventLog::EventLog(const std::string& path) {
  if (!path.empty()) {
    file_.open(path, std::ios::app);
    if (!file_) spdlog::warn("cannot write events to {}", path);
  }
}

void EventLog::record(ReplicaEvent e) {
  e.wall_us = wall_us();
  e.mono_us = mono_us();
  MutexLock lock(mu_);
  e.seq = ++seq_;
  spdlog::info("event {} {}{}{}{}", e.kind, e.function, e.replica.empty() ? "" : " " + e.replica,
               e.seconds >= 0 ? fmt::format(" {:.3f}s", e.seconds) : "",
               e.detail.empty() ? "" : ": " + e.detail);
  if (file_) {
    file_ << e.to_json().dump() << '\n';
    file_.flush();
  }
  recent_.push_back(std::move(e));
  if (recent_.size() > kKeep) recent_.pop_front();
}

std::vector<ReplicaEvent> EventLog::since(std::uint64_t seq, std::size_t max) const {
  MutexLock lock(mu_);
  std::vector<ReplicaEvent> out;
  for (const auto& e : recent_) {
    if (e.seq > seq) {
      out.push_back(e);
      if (out.size() >= max) break;
    }
  }
  return out;
}

std::uint64_t EventLog::last_seq() const {
  MutexLock lock(mu_);
  return seq_;
}

}  // namespace faaslab::runtime
