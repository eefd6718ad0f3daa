#include "report/html_format.h"

#include <cstdio>

#include "common/markup.h"

namespace faaslab::report {

std::string escape_html(const std::string& s) {
  return escape_markup(s);
}

std::string fmt(double v, const char* f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string seconds(double s) {
  if (s < 1) return fmt(s * 1000, s < 0.01 ? "%.2f ms" : "%.1f ms");
  return fmt(s, s < 10 ? "%.3f s" : "%.1f s");
}

}  // namespace faaslab::report
