// A run's requests on their way to the results database (internal to src/experiment/): each
// load::Record becomes a RequestRow, and a RequestWriter streams the rows to the database from
// one writer thread, in batches, so the run is on disk as it goes.
//
// push() is thread-safe (the load generator's worker threads call it); finish() is called
// once, by the thread that made the writer. The writer uses the database only from its own
// thread until finish() returns; the database must outlive it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "experiment/results_db.h"
#include "load/record.h"

namespace faaslab::experiment {

// A record as a row: its times made wall-clock by the run's anchor (the wall-clock µs of the
// run's time 0), `label` the payload's.
RequestRow to_request_row(const load::Record& record, const std::string& label,
                          std::int64_t anchor_wall_us);

class RequestWriter {
 public:
  RequestWriter(ResultsDb& db, std::int64_t run_id);
  ~RequestWriter();  // finish()es
  RequestWriter(const RequestWriter&) = delete;
  RequestWriter& operator=(const RequestWriter&) = delete;

  void push(RequestRow row);

  // Stops the writer after writing everything; the first database error, if any.
  Status finish();

  // A write has failed (the disk is full, the database is locked): the rest of the run cannot
  // be recorded. Thread-safe.
  bool failed() const { return failed_; }

 private:
  void loop();

  ResultsDb& db_;
  std::int64_t run_id_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<RequestRow> buffer_;   // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  Status status_ = Ok{};             // the writer thread's until it is joined
  std::atomic<bool> failed_{false};  // status_ is an error
  std::thread thread_;
};

}  // namespace faaslab::experiment
