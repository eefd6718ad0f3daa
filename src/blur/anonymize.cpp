#include "blur/anonymize.h"

#include <strings.h>
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace faaslab::blur {

std::string_view blur_method_name(BlurMethod method) {
  switch (method) {
    case BlurMethod::kGaussian:
      return "gaussian";
    case BlurMethod::kBox:
      return "box";
    case BlurMethod::kPixelate:
      return "pixelate";
  }
  return "?";
}

std::optional<BlurMethod> blur_method_from_name(std::string_view name) {
  for (auto m : {BlurMethod::kGaussian, BlurMethod::kBox, BlurMethod::kPixelate}) {
    const auto n = blur_method_name(m);
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return m;
  }
  return std::nullopt;
}

cv::Rect cover_region(const Face& face, cv::Size image, float margin) {
  const cv::Rect2f& b = face.box;
  const float mx = b.width * margin, my = b.height * margin;
  const cv::Rect2f grown(b.x - mx, b.y - 2 * my, b.width + 2 * mx, b.height + 3 * my);
  const int x0 = std::max(0, static_cast<int>(std::floor(grown.x)));
  const int y0 = std::max(0, static_cast<int>(std::floor(grown.y)));
  const int x1 = std::min(image.width, static_cast<int>(std::ceil(grown.x + grown.width)));
  const int y1 = std::min(image.height, static_cast<int>(std::ceil(grown.y + grown.height)));
  if (x1 <= x0 || y1 <= y0) return {};
  return {x0, y0, x1 - x0, y1 - y0};
}

namespace {

// Gaussian blur whose cost does not grow with sigma: shrink so the remaining sigma is ~2 px,
// blur there, scale back up (bilinear). Visually equivalent for anonymisation, and O(pixels).
void gaussian(cv::Mat& region, double sigma) {
  const double factor = std::max(1.0, sigma / 2.0);
  cv::Mat small;
  const cv::Size to(std::max(1, static_cast<int>(region.cols / factor)),
                    std::max(1, static_cast<int>(region.rows / factor)));
  cv::resize(region, small, to, 0, 0, cv::INTER_AREA);
  cv::GaussianBlur(small, small, cv::Size(), sigma / factor, sigma / factor, cv::BORDER_REPLICATE);
  cv::resize(small, region, region.size(), 0, 0, cv::INTER_LINEAR);
}

void pixelate(cv::Mat& region, int blocks) {
  const int longest = std::max(region.cols, region.rows);
  const int block = std::max(1, longest / std::max(1, blocks));
  cv::Mat small;
  const cv::Size to(std::max(1, (region.cols + block - 1) / block),
                    std::max(1, (region.rows + block - 1) / block));
  cv::resize(region, small, to, 0, 0, cv::INTER_AREA);
  cv::resize(small, region, region.size(), 0, 0, cv::INTER_NEAREST);
}

}  // namespace

void anonymize(cv::Mat& bgr, const std::vector<Face>& faces, const AnonymizeOptions& options) {
  const float strength = options.strength > 0 ? options.strength : 1.0f;
  for (const auto& face : faces) {
    const cv::Rect r = cover_region(face, bgr.size(), options.margin);
    if (r.empty()) continue;
    cv::Mat region = bgr(r);
    const double size = std::max(r.width, r.height);
    switch (options.method) {
      case BlurMethod::kGaussian:
        gaussian(region, std::max(1.0, size / 8.0 * strength));
        break;
      case BlurMethod::kBox: {
        const int k = std::max(3, static_cast<int>(size * 0.4 * strength) | 1);
        cv::blur(region, region, cv::Size(k, k), cv::Point(-1, -1), cv::BORDER_REPLICATE);
        break;
      }
      case BlurMethod::kPixelate:
        pixelate(region, std::max(2, static_cast<int>(std::lround(8.0 / strength))));
        break;
    }
  }
}

}  // namespace faaslab::blur
