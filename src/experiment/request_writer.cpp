#include "experiment/request_writer.h"

#include <chrono>
#include <cmath>
#include <optional>

namespace faaslab::experiment {

using namespace std::chrono_literals;

namespace {

// The load generator marks a time it did not get (no X-ML-Seconds header) with NaN.
std::optional<double> if_known(double seconds) {
  return std::isnan(seconds) ? std::nullopt : std::optional<double>(seconds);
}

}  // namespace

RequestRow to_request_row(const load::Record& r, const std::string& label,
                          std::int64_t anchor_wall_us) {
  return RequestRow{
      .user = r.user,
      .sequence = r.sequence,
      .payload = r.payload,
      .iteration = r.iteration,
      .label = label,
      .intended_us = r.intended_us,
      .start_us = r.start_us,
      .first_byte_us = r.first_byte_us,
      .end_us = r.end_us,
      .intended_wall_us = anchor_wall_us + r.intended_us,
      .start_wall_us = anchor_wall_us + r.start_us,
      .end_wall_us = anchor_wall_us + r.end_us,
      .latency_us = r.sent() ? std::optional<std::int64_t>(r.latency_us()) : std::nullopt,
      .service_us = r.service_us(),
      .connect_us = r.connect_us,
      .status = r.status,
      .outcome = std::string(load::outcome_name(r.outcome)),
      .bytes_sent = r.bytes_sent,
      .bytes_received = r.bytes_received,
      .ml_s = if_known(r.ml_s),
      .handler_s = if_known(r.handler_s),
      .replica = r.replica,
      .node = r.node,
      .placement = r.placement,
      .cold_start = r.cold_start(),
      .cold_start_s = r.cold_start() ? std::optional<double>(r.cold_start_s) : std::nullopt,
      .error = r.error,
      .warmup = false};
}

RequestWriter::RequestWriter(ResultsDb& db, std::int64_t run_id)
    : db_(db), run_id_(run_id), thread_([this] { loop(); }) {}

RequestWriter::~RequestWriter() {
  finish();
}

void RequestWriter::push(RequestRow row) {
  std::lock_guard lock(mu_);
  buffer_.push_back(std::move(row));
}

Status RequestWriter::finish() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return status_;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return status_;
}

void RequestWriter::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, 250ms, [&] { return stop_; });
    std::vector<RequestRow> batch;
    batch.swap(buffer_);
    const bool last = stop_;
    lock.unlock();
    // After a failure the run cannot be complete (--resume runs it again), so the rest is not
    // written: each attempt on a locked database would wait its busy timeout again.
    if (status_) {
      for (auto& r : batch) {
        if (auto st = db_.add_request(run_id_, std::move(r)); !st && status_) status_ = st;
      }
      if (auto st = db_.flush(); !st && status_) status_ = st;
      if (!status_) failed_ = true;
    }
    lock.lock();
    if (last && buffer_.empty()) return;
  }
}

}  // namespace faaslab::experiment
