#include "runtime/line_log.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "runtime/async_process.h"

namespace faaslab::runtime {

namespace {
constexpr std::size_t kMaxLine = 64 * 1024;
}

void LineLog::feed(std::string_view data) {
  buffer_.append(data);
  std::size_t start = 0, nl;
  while ((nl = buffer_.find('\n', start)) != std::string::npos) {
    emit(buffer_.substr(start, nl - start));
    start = nl + 1;
  }
  buffer_.erase(0, start);
  if (buffer_.size() > kMaxLine) flush();
}

void LineLog::flush() {
  if (!buffer_.empty()) emit(buffer_);
  buffer_.clear();
}

void LineLog::emit(const std::string& line) {
  spdlog::info("{}{}", prefix_, line);
  if (on_line_) on_line_(line);
}

void log_output(AsyncProcess& process, const std::string& prefix,
                std::function<void(const std::string&)> on_line) {
  auto out = std::make_shared<LineLog>(prefix, on_line);
  auto err = std::make_shared<LineLog>(prefix, std::move(on_line));
  process.read_stdout([out](std::string_view d) { out->feed(d); }, [out] { out->flush(); });
  process.read_stderr([err](std::string_view d) { err->feed(d); }, [err] { err->flush(); });
}

}  // namespace faaslab::runtime
