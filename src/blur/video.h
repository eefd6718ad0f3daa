// Blurring a whole video: frames are cut in memory with OpenCV's VideoCapture (no shared frame
// folder, so any number of jobs can run at once), processed up to `parallel` at a time, and
// written in order with the input's size and frame rate.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <opencv2/core/mat.hpp>

#include "common/result.h"

namespace faaslab::blur {

// Blurs one frame in place; returns the number of faces. Called from up to `parallel` threads
// at once; each call has its own `worker` index in [0, parallel).
using FrameBlurrer = std::function<Result<int>(cv::Mat& frame, int worker)>;

struct VideoJob {
  std::string input;
  std::string output;  // container by extension: .mp4 (H.264, else MPEG-4), .avi (MJPEG), .mkv
  int parallel = 1;
};

struct VideoSummary {
  std::uint64_t frames = 0;
  std::uint64_t faces = 0;
  double fps = 0;  // of the video
  int width = 0;
  int height = 0;
  double seconds = 0;  // wall time of the job
  std::string codec;   // fourcc actually used for the output
};

// progress(done, total) after each frame; total is the container's estimate (0 if unknown).
// On error the partial output file is removed.
Result<VideoSummary> blur_video(
    const VideoJob& job, const FrameBlurrer& blur,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace faaslab::blur
