// A detected face in image pixel coordinates.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core/types.hpp>

namespace faaslab::blur {

struct Face {
  cv::Rect2f box;   // x, y, width, height in pixels of the full image
  float score = 0;  // detector confidence in [0, 1]
  // BlazeFace keypoints (right eye, left eye, nose tip, mouth, right ear, left ear); zero for Haar.
  std::array<cv::Point2f, 6> keypoints{};
};

float iou(const cv::Rect2f& a, const cv::Rect2f& b);

// MediaPipe's weighted non-maximum suppression: take the best remaining candidate, gather every
// candidate overlapping it by IoU >= iou_threshold, replace them by their score-weighted mean
// box (keypoints too) with the best score. Steadier boxes than plain NMS across frames.
std::vector<Face> weighted_nms(std::vector<Face> candidates, float iou_threshold);

}  // namespace faaslab::blur
