// The benchmark input: frame 18 of the test video (1308x888, the study's frame size), encoded
// the way clients send it: JPEG at quality 90, and PNG as OpenCV writes it by default (the
// study's client used cv2.imwrite).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

namespace faaslab::bench {

struct BenchFrames {
  cv::Mat pixels;
  std::vector<std::uint8_t> jpeg;
  std::vector<std::uint8_t> png;
};

inline const BenchFrames& bench_frames() {
  static const BenchFrames frames = [] {
    BenchFrames f;
    cv::VideoCapture cap(FAASLAB_TESTDATA_DIR "/face-1308x888.mp4");
    for (int i = 0; i <= 18 && cap.read(f.pixels); ++i) {
    }
    if (f.pixels.empty()) {
      std::cerr << "cannot read " FAASLAB_TESTDATA_DIR "/face-1308x888.mp4 (run scripts/setup)\n";
      std::exit(1);
    }
    cv::imencode(".jpg", f.pixels, f.jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    cv::imencode(".png", f.pixels, f.png);
    return f;
  }();
  return frames;
}

}  // namespace faaslab::bench
