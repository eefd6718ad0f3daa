#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace faaslab {

ProgressLine::ProgressLine(std::uint64_t total, std::string unit, bool enabled)
    : total_(total), unit_(std::move(unit)), enabled_(enabled) {}

ProgressLine::~ProgressLine() {
  finish();
}

bool ProgressLine::stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

void ProgressLine::update(std::uint64_t done, const std::string& extra) {
  if (!enabled_) return;
  const double now = watch_.seconds();
  if (done != total_ && now - last_draw_ < 0.1) return;
  last_draw_ = now;
  const double rate = now > 0 ? static_cast<double>(done) / now : 0.0;
  char line[256];
  if (total_ > 0) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total_);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    std::snprintf(line, sizeof line, "\r[%s] %llu/%llu %s  %.1f/s  %.0fs left %s\x1b[K",
                  bar.c_str(), static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total_), unit_.c_str(), rate, left,
                  extra.c_str());
  } else {
    std::snprintf(line, sizeof line, "\r%llu %s  %.1f/s %s\x1b[K",
                  static_cast<unsigned long long>(done), unit_.c_str(), rate, extra.c_str());
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::finish() {
  if (drawn_) {
    std::fputc('\n', stderr);
    drawn_ = false;
  }
}

}  // namespace faaslab
