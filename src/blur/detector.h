// Face detectors. A FaceDetector instance is NOT thread-safe (OpenCV's dnn::Net and
// CascadeClassifier keep per-call state); use one per thread, e.g. through DetectorPool.
// Model files are read from disk once per process and shared by every instance.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "blur/face.h"
#include "common/result.h"

namespace faaslab::blur {

enum class DetectorKind {
  kBlazeFace128,  // MediaPipe BlazeFace short range ("front camera"), 128x128 input
  kBlazeFace256,  // MediaPipe BlazeFace "back camera", 256x256 input: smaller faces, 4-5x slower
  kHaar,          // OpenCV's Haar cascade (haarcascade_frontalface_default.xml)
};

std::string_view detector_name(DetectorKind kind);  // "blazeface128", "blazeface256", "haar"
std::optional<DetectorKind> detector_from_name(std::string_view name);

struct DetectorOptions {
  DetectorKind kind = DetectorKind::kBlazeFace128;
  // BlazeFace: minimum sigmoid score of a candidate. Haar: ignored (its score is derived from
  // the neighbour count, see haar_detector.cpp).
  float score_threshold = 0.75f;
  // Weighted NMS: candidates overlapping by at least this IoU are merged (MediaPipe uses 0.3).
  float nms_iou = 0.3f;
  // BlazeFace sees square tiles of the frame. Level 1 covers the frame with tiles whose side is
  // the frame's short side (2 tiles for 1308x888), so no input is wasted on letterbox padding.
  // Each further level halves the tile side (overlapping by >= 25%) to find faces smaller than
  // ~1/8 of the short side, at 4-12x the detection cost.
  int tile_levels = 1;
  // Directory holding the ONNX models; empty = default search (see model_path()).
  std::string models_dir;
  // Haar cascade XML; empty = /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml.
  std::string haar_cascade;
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in a BGR 8-bit image, in image coordinates, best first.
  virtual std::vector<Face> detect(const cv::Mat& bgr) = 0;
};

// Builds a detector; errors if a model file is missing or unreadable.
Result<std::unique_ptr<FaceDetector>> make_detector(const DetectorOptions& options);

// The model file for a kind: options.models_dir, else $FAASLAB_MODELS_DIR, else the directory the
// build recorded (the source checkout's models/), else <exe dir>/../share/faaslab/models.
std::string model_path(const DetectorOptions& options);

}  // namespace faaslab::blur
