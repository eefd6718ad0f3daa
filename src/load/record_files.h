// The per-request output files: the raw record file (CSV, every field of a Record, µs) and the
// JTL file (CSV in JMeter 5's default 17-column layout, ms, so `jmeter -g` can build its
// dashboard from it). Both are streamed: workers hand their finished records over in chunks
// to one writer thread, which formats the lines and writes them, so memory stays flat however
// long the run, a slow disk (page-cache writeback throttling) never stalls an event loop, and
// the files are flushed as chunks arrive (at least every 200 ms) so a crash or Ctrl-C keeps
// what was recorded. Formatting on the writer, not the worker, takes ~2,400 instructions per
// request off the event loop that sends (issue 17).
//
// RecordFiles is thread-safe (append() takes a lock); format_* are pure functions.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "load/record.h"

namespace faaslab::load {

// What a record's line needs besides the record.
struct RecordContext {
  std::int64_t wall_anchor_us = 0;  // wall-clock µs at monotonic offset 0 (the run's start)
  const std::string* label = nullptr;
  const std::string* url = nullptr;
  std::uint64_t active_threads = 0;  // JTL grpThreads/allThreads: users active (closed) or
                                     // requests outstanding (open) when the request ended
};

// "user,sequence,payload,...,error\n"
const std::string& record_csv_header();
void append_record_csv(std::string& out, const Record& r, const RecordContext& ctx);

// JMeter 5's default CSV header, exactly:
// timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,
// failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect
const std::string& jtl_header();
void append_jtl_line(std::string& out, const Record& r, const RecordContext& ctx);

// Appends `field` quoted as JMeter's CSVSaveService does: in double quotes, inner quotes
// doubled, only when it holds a comma, a quote, CR or LF.
void append_csv_field(std::string& out, std::string_view field);

// A finished request waiting to be written: the record, and what its lines need besides that
// differs from request to request.
struct PendingRecord {
  Record record;
  std::uint32_t label = 0;           // index into the run's labels
  std::uint64_t active_threads = 0;  // RecordContext::active_threads
};

class RecordFiles {
 public:
  // Empty path = that file is not written. Errors name the path that cannot be created.
  static Result<std::unique_ptr<RecordFiles>> open(const std::string& records_path,
                                                   const std::string& jtl_path);
  ~RecordFiles();
  RecordFiles(const RecordFiles&) = delete;
  RecordFiles& operator=(const RecordFiles&) = delete;

  // What every line of the run shares: set once, before the first append.
  void set_context(std::int64_t wall_anchor_us, const std::vector<std::string>* labels,
                   const std::string* url);
  // Takes the records (the vector is left empty, with spare capacity when there is some) for
  // the writer thread, which formats and writes them. Workers never wait for the disk — only,
  // should it fall more than kMaxQueued records behind, until it catches up.
  void append(std::vector<PendingRecord>& chunk);
  // Writes what is queued, closes the files; returns the first write error seen.
  Status close();

  static constexpr std::size_t kMaxQueued = 256 * 1024;  // records (~64 MiB)

 private:
  RecordFiles() = default;
  void writer_loop();

  std::mutex mu_;
  std::condition_variable wake_writer_, wake_workers_;
  std::deque<std::vector<PendingRecord>> queue_;
  std::vector<std::vector<PendingRecord>> spare_;  // written chunks, cleared, for the workers
  std::size_t queued_ = 0;                         // records
  std::int64_t wall_anchor_us_ = 0;
  const std::vector<std::string>* labels_ = nullptr;
  const std::string* url_ = nullptr;
  bool closing_ = false;
  std::thread writer_;
  std::FILE* records_ = nullptr;
  std::FILE* jtl_ = nullptr;
  bool failed_ = false;  // written by the writer thread; read after it is joined
};

}  // namespace faaslab::load
