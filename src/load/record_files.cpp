#include "load/record_files.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <unistd.h>

#include <fmt/compile.h>

namespace faaslab::load {
namespace {

// A plain loop: find_first_of(",\"\r\n") calls memchr once per character of the field.
bool needs_quotes(std::string_view field) {
  for (char ch : field)
    if (ch == ',' || ch == '"' || ch == '\r' || ch == '\n') return true;
  return false;
}

// Formats one line straight into the output string: the line's worst-case size is reserved
// once, fields are written through a pointer, and the string is cut to what was written. Per
// request this is what the recording costs, so it avoids per-field appends (measured in
// bench/load_record_bench: ~2.5x faster than appending field by field).
class LineWriter {
 public:
  LineWriter(std::string& out, std::size_t max_size) : out_(out), old_(out.size()) {
    out_.resize(old_ + max_size);
    p_ = out_.data() + old_;
  }
  ~LineWriter() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

  LineWriter& c(char ch) {
    *p_++ = ch;
    return *this;
  }
  LineWriter& s(std::string_view text) {
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
    return *this;
  }
  // fmt's compiled integer formatting: its digit count is a table lookup on the highest set
  // bit, where std::to_chars counts digits in a loop — ~40% of a record line's instructions
  // went to integer formatting (load_vs_wrk.sh part 2).
  LineWriter& i(std::int64_t v) {
    p_ = fmt::format_to(p_, FMT_COMPILE("{}"), v);
    return *this;
  }
  LineWriter& u(std::uint64_t v) {
    p_ = fmt::format_to(p_, FMT_COMPILE("{}"), v);
    return *this;
  }
  // Seconds with µs precision; nothing when NaN.
  LineWriter& seconds(double v) {
    if (!std::isnan(v)) p_ = std::to_chars(p_, p_ + 40, v, std::chars_format::fixed, 6).ptr;
    return *this;
  }
  // A CSV field, quoted as JMeter's CSVSaveService does (worst case 2 * size + 2 bytes).
  LineWriter& csv(std::string_view field) {
    if (!needs_quotes(field)) return s(field);
    *p_++ = '"';
    for (char ch : field) {
      if (ch == '"') *p_++ = '"';
      *p_++ = ch;
    }
    *p_++ = '"';
    return *this;
  }

 private:
  std::string& out_;
  std::size_t old_;
  char* p_;
};

// Room for every numeric and fixed field of a line (under 500 bytes), plus the variable text
// fields quoted.
std::size_t bound(std::initializer_list<std::size_t> text_sizes) {
  std::size_t n = 640;
  for (auto t : text_sizes) n += 2 * t + 2;
  return n;
}

std::int64_t round_ms(std::int64_t us) {
  return us >= 0 ? (us + 500) / 1000 : -((-us + 500) / 1000);
}

const std::string kEmpty;

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  LineWriter(out, 2 * field.size() + 2).csv(field);
}

const std::string& record_csv_header() {
  static const std::string h =
      "user,sequence,payload,iteration,label,intended_us,start_us,first_byte_us,end_us,"
      "intended_wall_us,start_wall_us,end_wall_us,latency_us,service_us,connect_us,status,"
      "outcome,bytes_sent,bytes_received,ml_s,handler_s,replica,cold_start,cold_start_s,error,node,"
      "placement\n";
  return h;
}

void append_record_csv(std::string& out, const Record& r, const RecordContext& ctx) {
  const std::string& label = ctx.label ? *ctx.label : kEmpty;
  LineWriter w(out, bound({label.size(), r.replica.size(), r.error.size(), r.node.size(),
                           r.placement.size()}));
  w.u(r.user).c(',').u(r.sequence).c(',').u(r.payload).c(',').u(r.iteration).c(',').csv(label);
  w.c(',').i(r.intended_us).c(',').i(r.start_us).c(',').i(r.first_byte_us).c(',').i(r.end_us);
  w.c(',').i(ctx.wall_anchor_us + r.intended_us).c(',').i(ctx.wall_anchor_us + r.start_us);
  w.c(',').i(ctx.wall_anchor_us + r.end_us).c(',');
  if (r.sent()) w.i(r.latency_us());
  w.c(',');
  if (r.sent()) w.i(r.service_us());
  w.c(',').i(r.connect_us).c(',').i(r.status).c(',').s(outcome_name(r.outcome));
  w.c(',').u(r.bytes_sent).c(',').u(r.bytes_received).c(',').seconds(r.ml_s);
  w.c(',').seconds(r.handler_s).c(',').csv(r.replica).c(',');
  w.s(r.cold_start() ? "true" : "false").c(',').seconds(r.cold_start_s).c(',').csv(r.error);
  w.c(',').csv(r.node).c(',').csv(r.placement);
  w.c('\n');
}

const std::string& jtl_header() {
  static const std::string h =
      "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
      "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n";
  return h;
}

void append_jtl_line(std::string& out, const Record& r, const RecordContext& ctx) {
  const std::string& label = ctx.label ? *ctx.label : kEmpty;
  const std::string& url = ctx.url ? *ctx.url : kEmpty;
  LineWriter w(out, bound({label.size(), url.size(), 2 * r.error.size(), r.reason.size(), 64}));
  // timeStamp: the intended start, so elapsed is the response time a user saw (no coordinated
  // omission); Latency: to the response header, from the same instant, as JMeter measures it.
  w.i(round_ms(ctx.wall_anchor_us + r.intended_us)).c(',');
  w.i(r.sent() ? round_ms(r.latency_us()) : 0).c(',').csv(label).c(',');
  if (r.status > 0) {
    w.i(r.status).c(',').csv(r.reason);
  } else {
    // JMeter's own wording for failures below HTTP.
    w.csv("Non HTTP response code: " + std::string(outcome_name(r.outcome))).c(',');
    w.csv("Non HTTP response message: " + r.error);
  }
  w.s(",faaslab 1-").u(r.user + 1).c(',');
  if (r.status > 0) w.s(r.text_response ? "text" : "bin");
  w.s(r.ok() ? ",true," : ",false,");
  if (!r.ok()) w.csv(r.error.empty() ? r.reason : r.error);
  w.c(',').u(r.bytes_received).c(',').u(r.bytes_sent).c(',').u(ctx.active_threads);
  w.c(',').u(ctx.active_threads).c(',').csv(url).c(',');
  w.i(r.first_byte_us > 0 ? round_ms(r.first_byte_us - r.intended_us) : 0).s(",0,");
  w.i(r.connect_us > 0 ? round_ms(r.connect_us) : 0).c('\n');
}

Result<std::unique_ptr<RecordFiles>> RecordFiles::open(const std::string& records_path,
                                                       const std::string& jtl_path) {
  std::unique_ptr<RecordFiles> f(new RecordFiles());
  auto open_one = [](const std::string& path, const std::string& header,
                     std::FILE*& file) -> Status {
    if (path.empty()) return Ok{};
    file = std::fopen(path.c_str(), "w");
    if (!file)
      return make_error("cannot write '" + path + "': " + std::strerror(errno), Errc::kUnavailable);
    std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
    std::fwrite(header.data(), 1, header.size(), file);
    std::fflush(file);
    return Ok{};
  };
  if (auto s = open_one(records_path, record_csv_header(), f->records_); !s) return s.error_value();
  if (auto s = open_one(jtl_path, jtl_header(), f->jtl_); !s) return s.error_value();
  f->writer_ = std::thread([p = f.get()] { p->writer_loop(); });
  return f;
}

RecordFiles::~RecordFiles() {
  (void)close();
}

void RecordFiles::set_context(std::int64_t wall_anchor_us, const std::vector<std::string>* labels,
                              const std::string* url) {
  std::lock_guard lock(mu_);
  wall_anchor_us_ = wall_anchor_us;
  labels_ = labels;
  url_ = url;
}

void RecordFiles::append(std::vector<PendingRecord>& chunk) {
  if (chunk.empty()) return;
  const std::size_t n = chunk.size();
  {
    std::unique_lock lock(mu_);
    wake_workers_.wait(lock, [&] { return queued_ < kMaxQueued || closing_; });
    queue_.push_back(std::move(chunk));
    queued_ += n;
    // Hand back a vector the writer is done with, so workers do not allocate (and fault in)
    // a fresh one for every chunk.
    chunk.clear();
    if (!spare_.empty()) {
      chunk.swap(spare_.back());
      spare_.pop_back();
    }
  }
  wake_writer_.notify_one();
}

void RecordFiles::writer_loop() {
  // Straight to the file descriptor: the lines are formatted into large buffers, so stdio's
  // buffer would only add a copy.
  auto put = [this](std::FILE* f, const std::string& text) {
    if (!f || text.empty()) return;
    const int fd = ::fileno(f);
    for (std::size_t at = 0; at < text.size();) {
      const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        return;
      }
      at += static_cast<std::size_t>(n);
    }
  };
  std::string records_text, jtl_text;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_writer_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty() && closing_) return;
    std::vector<PendingRecord> chunk = std::move(queue_.front());
    queue_.pop_front();
    RecordContext ctx{wall_anchor_us_, nullptr, url_, 0};
    const std::vector<std::string>* labels = labels_;
    lock.unlock();
    records_text.clear();
    jtl_text.clear();
    for (const PendingRecord& p : chunk) {
      ctx.label = labels && p.label < labels->size() ? &(*labels)[p.label] : nullptr;
      ctx.active_threads = p.active_threads;
      if (records_) append_record_csv(records_text, p.record, ctx);
      if (jtl_) append_jtl_line(jtl_text, p.record, ctx);
    }
    put(records_, records_text);
    put(jtl_, jtl_text);
    lock.lock();
    queued_ -= chunk.size();
    if (chunk.capacity() > 0 && spare_.size() < 16) {
      chunk.clear();
      spare_.push_back(std::move(chunk));
    }
    wake_workers_.notify_all();
  }
}

Status RecordFiles::close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  wake_writer_.notify_all();
  wake_workers_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (std::FILE** f : {&records_, &jtl_}) {
    if (*f) {
      if (std::fclose(*f) != 0) failed_ = true;
      *f = nullptr;
    }
  }
  if (failed_) return make_error("error writing the record files (disk full?)", Errc::kUnavailable);
  return Ok{};
}

}  // namespace faaslab::load
