// `faaslab client`: the study's one-user video client, done properly. Like the study's
// client.py it sends every frame of a video, in order, as base64 of a PNG with no query and no
// Content-Type, sleeping before each POST, and prints per-frame round-trip, ML and total times
// and then the three lists. Unlike it, frames are cut in memory (no shared folder, so any
// number can run at once), round trips come from the monotonic clock, a failed frame is
// reported rather than crashing, and the exit code says whether every frame succeeded, so a
// JMeter OS Process Sampler can run it as the study ran client.py.
#pragma once

#include <cstdio>
#include <string>

#include "common/result.h"
#include "common/units.h"

namespace faaslab::load {

struct StudyClientOptions {
  std::string video;
  std::string url = "http://127.0.0.1:8080/function/slblur";
  Micros sleep{0};
  Micros timeout{25'000'000};
  std::uint32_t max_frames = 0;  // 0 = all
};

// Returns the number of frames that failed (0 = all good); an Error when the run cannot start
// (missing or unreadable video, bad URL).
Result<std::uint64_t> run_study_client(const StudyClientOptions& options, std::FILE* out);

}  // namespace faaslab::load
