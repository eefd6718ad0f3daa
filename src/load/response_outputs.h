// What can be kept of the responses themselves: every body saved to a folder (--save-responses)
// and the blurred video rebuilt from one user's responses (--output-video). The function's
// answers come as an image, as JSON with a base64 "img", or in the study's seed format; all
// three are understood.
//
// Thread-safe: on_response() may be called from any worker (it takes a lock).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "load/payload.h"
#include "load/record.h"

namespace cv {
class VideoWriter;
}

namespace faaslab::load {

// The image bytes in a response body: the body itself (JPEG/PNG), the base64 "img" of a json
// body, or the 'img' of a seed body. nullopt when there is none.
std::optional<std::vector<std::uint8_t>> image_from_response(std::string_view body);

class ResponseOutputs {
 public:
  // `video_user`: whose first pass becomes the video (the first user of this shard).
  ResponseOutputs(std::string save_dir, std::string video_path, const PayloadSet& payloads,
                  std::uint64_t video_user);
  ~ResponseOutputs();

  // Creates the folder; checks the video path's container. Call before the run.
  Status prepare();
  bool wants_body(const Record& r) const;
  void on_response(const Record& r, const std::string& label, std::string_view body,
                   std::string_view content_type);
  // Closes the video. Returns a one-line description ("37 frames written to out.avi").
  Result<std::string> finish();

 private:
  void add_video_frame(const Record& r, std::string_view body);

  std::string save_dir_, video_path_;
  const PayloadSet& payloads_;
  std::uint64_t video_user_;
  std::mutex mu_;
  std::unique_ptr<cv::VideoWriter> writer_;
  std::uint32_t next_frame_ = 0;
  std::uint64_t frames_written_ = 0, frames_substituted_ = 0, saved_ = 0;
  std::string error_;
};

}  // namespace faaslab::load
