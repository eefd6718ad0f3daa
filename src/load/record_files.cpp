#include "load/record_files.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace faaslab::load {
namespace {

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Seconds with µs precision; empty when NaN.
void append_seconds(std::string& out, double s) {
  if (std::isnan(s)) return;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s, std::chars_format::fixed, 6);
  out.append(buf, end);
}

std::int64_t round_ms(std::int64_t us) {
  return us >= 0 ? (us + 500) / 1000 : -((-us + 500) / 1000);
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

const std::string& record_csv_header() {
  static const std::string h =
      "user,sequence,payload,iteration,label,intended_us,start_us,first_byte_us,end_us,"
      "intended_wall_us,start_wall_us,end_wall_us,latency_us,service_us,connect_us,status,"
      "outcome,bytes_sent,bytes_received,ml_s,handler_s,replica,cold_start,cold_start_s,error\n";
  return h;
}

void append_record_csv(std::string& out, const Record& r, const RecordContext& ctx) {
  append_uint(out, r.user);
  out.push_back(',');
  append_uint(out, r.sequence);
  out.push_back(',');
  append_uint(out, r.payload);
  out.push_back(',');
  append_uint(out, r.iteration);
  out.push_back(',');
  append_csv_field(out, ctx.label ? *ctx.label : std::string());
  for (std::int64_t v : {r.intended_us, r.start_us, r.first_byte_us, r.end_us}) {
    out.push_back(',');
    append_int(out, v);
  }
  for (std::int64_t v : {r.intended_us, r.start_us, r.end_us}) {
    out.push_back(',');
    append_int(out, ctx.wall_anchor_us + v);
  }
  out.push_back(',');
  if (r.sent()) append_int(out, r.latency_us());
  out.push_back(',');
  if (r.sent()) append_int(out, r.service_us());
  out.push_back(',');
  append_int(out, r.connect_us);
  out.push_back(',');
  append_int(out, r.status);
  out.push_back(',');
  out.append(outcome_name(r.outcome));
  out.push_back(',');
  append_uint(out, r.bytes_sent);
  out.push_back(',');
  append_uint(out, r.bytes_received);
  out.push_back(',');
  append_seconds(out, r.ml_s);
  out.push_back(',');
  append_seconds(out, r.handler_s);
  out.push_back(',');
  append_csv_field(out, r.replica);
  out.push_back(',');
  out.append(r.cold_start() ? "true" : "false");
  out.push_back(',');
  append_seconds(out, r.cold_start_s);
  out.push_back(',');
  append_csv_field(out, r.error);
  out.push_back('\n');
}

const std::string& jtl_header() {
  static const std::string h =
      "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
      "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n";
  return h;
}

void append_jtl_line(std::string& out, const Record& r, const RecordContext& ctx) {
  // timeStamp: the intended start, so elapsed is the response time a user saw (no coordinated
  // omission); Latency: to the response header, from the same instant, as JMeter measures it.
  append_int(out, round_ms(ctx.wall_anchor_us + r.intended_us));
  out.push_back(',');
  append_int(out, r.sent() ? round_ms(r.latency_us()) : 0);
  out.push_back(',');
  append_csv_field(out, ctx.label ? *ctx.label : std::string());
  out.push_back(',');
  if (r.status > 0) {
    append_int(out, r.status);
    out.push_back(',');
    append_csv_field(out, r.reason);
  } else {
    // JMeter's own wording for failures below HTTP.
    append_csv_field(out, "Non HTTP response code: " + std::string(outcome_name(r.outcome)));
    out.push_back(',');
    append_csv_field(out, "Non HTTP response message: " + r.error);
  }
  out.append(",faaslab 1-");
  append_uint(out, r.user + 1);
  out.push_back(',');
  if (r.status > 0) out.append(r.text_response ? "text" : "bin");
  out.append(r.ok() ? ",true," : ",false,");
  if (!r.ok()) append_csv_field(out, r.error.empty() ? r.reason : r.error);
  out.push_back(',');
  append_uint(out, r.bytes_received);
  out.push_back(',');
  append_uint(out, r.bytes_sent);
  out.push_back(',');
  append_uint(out, ctx.active_threads);
  out.push_back(',');
  append_uint(out, ctx.active_threads);
  out.push_back(',');
  append_csv_field(out, ctx.url ? *ctx.url : std::string());
  out.push_back(',');
  append_int(out, r.first_byte_us > 0 ? round_ms(r.first_byte_us - r.intended_us) : 0);
  out.append(",0,");
  append_int(out, r.connect_us > 0 ? round_ms(r.connect_us) : 0);
  out.push_back('\n');
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
  f->records_path_ = records_path;
  f->jtl_path_ = jtl_path;
  return f;
}

RecordFiles::~RecordFiles() {
  (void)close();
}

void RecordFiles::append(std::string& records_chunk, std::string& jtl_chunk) {
  std::lock_guard lock(mu_);
  auto put = [this](std::FILE* f, std::string& chunk) {
    if (f && !chunk.empty()) {
      if (std::fwrite(chunk.data(), 1, chunk.size(), f) != chunk.size()) failed_ = true;
      if (std::fflush(f) != 0) failed_ = true;
    }
    chunk.clear();
  };
  put(records_, records_chunk);
  put(jtl_, jtl_chunk);
}

Status RecordFiles::close() {
  std::lock_guard lock(mu_);
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
