#include "blur/face.h"

#include <algorithm>

namespace faaslab::blur {

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Face> weighted_nms(std::vector<Face> candidates, float iou_threshold) {
  std::sort(candidates.begin(), candidates.end(),
            [](const Face& a, const Face& b) { return a.score > b.score; });
  std::vector<Face> out;
  std::vector<bool> used(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (used[i]) continue;
    const Face& best = candidates[i];
    float wsum = 0, x = 0, y = 0, w = 0, h = 0;
    std::array<cv::Point2f, 6> kp{};
    for (std::size_t j = i; j < candidates.size(); ++j) {
      if (used[j] || iou(best.box, candidates[j].box) < iou_threshold) continue;
      used[j] = true;
      const Face& c = candidates[j];
      wsum += c.score;
      x += c.box.x * c.score;
      y += c.box.y * c.score;
      w += c.box.width * c.score;
      h += c.box.height * c.score;
      for (std::size_t k = 0; k < kp.size(); ++k) kp[k] += c.keypoints[k] * c.score;
    }
    Face merged;
    merged.score = best.score;
    merged.box = cv::Rect2f(x / wsum, y / wsum, w / wsum, h / wsum);
    for (std::size_t k = 0; k < kp.size(); ++k) merged.keypoints[k] = kp[k] / wsum;
    out.push_back(merged);
  }
  return out;
}

}  // namespace faaslab::blur
