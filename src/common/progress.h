// A one-line progress display on stderr, redrawn in place, shown only when stderr is a terminal
// (so logs and CI output stay clean). Not thread-safe: update from one thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"

namespace faaslab {

class ProgressLine {
 public:
  // total == 0 means unknown; `unit` names what is counted ("frames").
  ProgressLine(std::uint64_t total, std::string unit, bool enabled);
  ~ProgressLine();

  // Redraws at most ten times a second, and always when done == total.
  void update(std::uint64_t done, const std::string& extra = {});
  // Ends the line (newline) if anything was drawn.
  void finish();

  static bool stderr_is_terminal();

 private:
  std::uint64_t total_;
  std::string unit_;
  bool enabled_;
  bool drawn_ = false;
  Stopwatch watch_;
  double last_draw_ = -1;
};

}  // namespace faaslab
