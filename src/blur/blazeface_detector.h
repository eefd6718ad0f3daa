// BlazeFace (MediaPipe) through OpenCV DNN: NHWC float input in [-1, 1], 896 anchors on a 16x16
// grid (2 per cell) and an 8x8 grid (6 per cell), box and keypoint offsets in input pixels,
// sigmoid scores, MediaPipe's weighted NMS. Frames are covered by square tiles (see
// DetectorOptions::tile_levels).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/dnn/dnn.hpp>

#include "blur/detector.h"

namespace faaslab::blur {

// A square region of the image handed to the network, in image pixels.
struct Tile {
  float x = 0, y = 0, side = 0;
};

// Tiles covering a width x height frame for the given number of levels (see DetectorOptions).
std::vector<Tile> blazeface_tiles(int width, int height, int levels);

class BlazeFaceDetector : public FaceDetector {
 public:
  // model: the ONNX file's bytes (shared, read once per process); input_size: 128 or 256.
  BlazeFaceDetector(const std::vector<std::uint8_t>& model, int input_size,
                    const DetectorOptions& options);
  std::vector<Face> detect(const cv::Mat& bgr) override;

 private:
  void run_tile(const cv::Mat& scaled, const Tile& tile, float scale, std::vector<Face>& out);

  int size_;
  DetectorOptions options_;
  float logit_threshold_;
  cv::dnn::Net net_;
  std::vector<std::string> output_names_;
  std::vector<cv::Point2f> anchors_;  // 896 anchor centres in [0, 1]
  cv::Mat input_;                     // 1 x S x S x 3 float, reused
  std::vector<cv::Mat> outputs_;
};

}  // namespace faaslab::blur
