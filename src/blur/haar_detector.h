// OpenCV's Viola-Jones Haar cascade, the classic CPU face detector, as the alternative to
// BlazeFace. Runs on a greyscale copy scaled to at most 640 px on its long side.
#pragma once

#include <string>

#include <opencv2/objdetect.hpp>

#include "blur/detector.h"

namespace faaslab::blur {

class HaarDetector : public FaceDetector {
 public:
  // Throws std::runtime_error if the cascade file cannot be loaded.
  explicit HaarDetector(const std::string& cascade_file);
  std::vector<Face> detect(const cv::Mat& bgr) override;

 private:
  cv::CascadeClassifier cascade_;
};

}  // namespace faaslab::blur
