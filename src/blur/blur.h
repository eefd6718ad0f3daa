// The face-blur pipeline: decode -> detect faces -> blur them -> encode. The public face of the
// blur part; faaslab-fn, `faaslab blur-video` and the benchmarks use it.
//
// A BlurPipeline is thread-safe: process() may be called from many threads at once. It holds a
// pool of up to `concurrency` detectors (one per concurrent call; extra callers wait). It
// must outlive the calls made on it. OpenCV's own thread count is a process-wide setting the
// caller chooses (see faaslab-fn's `opencv_threads`); the pipeline does not change it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "blur/anonymize.h"
#include "blur/detector.h"
#include "blur/detector_pool.h"
#include "blur/face.h"
#include "blur/image_codec.h"
#include "common/result.h"

namespace faaslab::blur {

struct PipelineOptions {
  // Behaviour
  DetectorOptions detector;
  AnonymizeOptions anonymize;
  DecodeLimits limits;
  // Performance
  EncodeOptions encode;
  int concurrency = 1;  // detectors in the pool = calls served at once
};

// Seconds spent in each stage of one frame.
struct StageTimes {
  double decode = 0;
  double detect = 0;  // "ML time": preprocessing, network, decoding of the outputs, NMS
  double blur = 0;
  double encode = 0;
  double total = 0;  // decode + detect + blur + encode + pool wait
};

struct FrameResult {
  std::vector<std::uint8_t> image;  // encoded output
  Codec codec = Codec::kJpeg;
  int width = 0;
  int height = 0;
  std::vector<Face> faces;
  StageTimes times;
};

class BlurPipeline {
 public:
  // Loads the detector model (one instance now, the rest on demand). Errors if a model file is
  // missing or invalid.
  static Result<std::unique_ptr<BlurPipeline>> create(const PipelineOptions& options);

  // Encoded JPEG/PNG in -> blurred image out, in `output_codec` or else the input's codec.
  // Errors: Errc::kInvalidArgument (not an image, truncated, corrupt), Errc::kTooLarge (over the
  // pixel limit), Errc::kInternal / kUnavailable (encoder or detector failure).
  Result<FrameResult> process(std::span<const std::uint8_t> encoded,
                              std::optional<Codec> output_codec = {}) const;

  // Detects and blurs in place on decoded pixels (video frames). Returns the faces found.
  Result<std::vector<Face>> process_pixels(cv::Mat& bgr, StageTimes* times = nullptr) const;

  // Builds every worker's detector now, in parallel, so the first concurrent requests cost
  // what later ones do. The HTTP function does this before it reports ready.
  Status warm_up() const;

  const PipelineOptions& options() const { return options_; }

 private:
  BlurPipeline(PipelineOptions options, std::unique_ptr<DetectorPool> pool)
      : options_(std::move(options)), pool_(std::move(pool)) {}

  PipelineOptions options_;
  std::unique_ptr<DetectorPool> pool_;
};

}  // namespace faaslab::blur
