#include "blur/haar_detector.h"

#include <algorithm>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace faaslab::blur {
namespace {
constexpr int kMaxSide = 640;     // detection resolution: speed vs. smallest face (~24 px here)
constexpr int kMinNeighbors = 6;  // fewer gives false positives on textured backgrounds
constexpr double kScaleStep = 1.1;
}  // namespace

HaarDetector::HaarDetector(const std::string& cascade_file) {
  if (!cascade_.load(cascade_file))
    throw std::runtime_error("cannot load Haar cascade " + cascade_file);
}

std::vector<Face> HaarDetector::detect(const cv::Mat& bgr) {
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  const double scale = std::min(1.0, static_cast<double>(kMaxSide) / std::max(bgr.cols, bgr.rows));
  if (scale < 1.0) cv::resize(grey, grey, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::equalizeHist(grey, grey);
  std::vector<cv::Rect> rects;
  std::vector<int> neighbours;
  cascade_.detectMultiScale(grey, rects, neighbours, kScaleStep, kMinNeighbors, 0,
                            cv::Size(24, 24));
  std::vector<Face> faces;
  for (std::size_t i = 0; i < rects.size(); ++i) {
    Face f;
    const auto& r = rects[i];
    f.box = cv::Rect2f(static_cast<float>(r.x / scale), static_cast<float>(r.y / scale),
                       static_cast<float>(r.width / scale), static_cast<float>(r.height / scale));
    // The cascade has no probability; the number of merged neighbour windows is its confidence.
    // n / (n + kMinNeighbors) maps the acceptance point to 0.5 and grows toward 1.
    const float n = static_cast<float>(neighbours[i]);
    f.score = n / (n + static_cast<float>(kMinNeighbors));
    faces.push_back(f);
  }
  std::sort(faces.begin(), faces.end(),
            [](const Face& a, const Face& b) { return a.score > b.score; });
  return faces;
}

}  // namespace faaslab::blur
