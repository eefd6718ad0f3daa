#include "runtime/line_log.h"

#include <spdlog/spdlog.h>

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

}  // namespace faaslab::runtime
