// Making faces unrecognisable: the region to cover around a detected face, and the blur
// applied to it. Blur strength scales with the region's size, so a face is equally unreadable
// in a thumbnail and in a 4K frame. Pure functions over the image passed in; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "blur/face.h"

namespace faaslab::blur {

enum class BlurMethod {
  kGaussian,  // smooth; sigma = size / 8 * strength
  kBox,       // the study's cv2.blur; kernel = 0.4 * size * strength (as strong as kGaussian)
  kPixelate,  // mosaic of about 8 / strength blocks across the face
};

std::string_view blur_method_name(BlurMethod method);  // "gaussian", "box", "pixelate"
std::optional<BlurMethod> blur_method_from_name(std::string_view name);

struct AnonymizeOptions {
  BlurMethod method = BlurMethod::kGaussian;
  // The detector's box grown by this fraction of its size on the sides and bottom, and twice
  // that on top: BlazeFace's box runs from the brows to the mouth, the blur must cover
  // forehead to chin.
  float margin = 0.25f;
  float strength = 1.0f;  // > 0; 1 is the documented default above, 2 twice as strong
};

// The region covered for one face, clipped to the image (may be empty if the face is outside).
cv::Rect cover_region(const Face& face, cv::Size image, float margin);

// Blurs every face's cover region in place.
void anonymize(cv::Mat& bgr, const std::vector<Face>& faces, const AnonymizeOptions& options);

}  // namespace faaslab::blur
