#include "blur/blur.h"

#include "common/clock.h"

namespace faaslab::blur {

Result<std::unique_ptr<BlurPipeline>> BlurPipeline::create(const PipelineOptions& options) {
  auto pool = DetectorPool::create(options.detector, options.concurrency);
  if (!pool) return pool.error_value();
  return std::unique_ptr<BlurPipeline>(new BlurPipeline(options, std::move(*pool)));
}

Status BlurPipeline::warm_up() const {
  return pool_->warm_up(options_.concurrency);
}

Result<std::vector<Face>> BlurPipeline::process_pixels(cv::Mat& bgr, StageTimes* times) const {
  Stopwatch watch;
  auto lease = pool_->acquire();
  if (!lease) return lease.error_value();
  const double waited = watch.seconds();
  std::vector<Face> faces;
  try {
    faces = (*lease)->detect(bgr);
  } catch (const std::exception& e) {
    return make_error(std::string("face detection failed: ") + e.what(), Errc::kInternal);
  }
  const double detected = watch.seconds();
  anonymize(bgr, faces, options_.anonymize);
  if (times) {
    times->detect = detected - waited;
    times->blur = watch.seconds() - detected;
  }
  return faces;
}

Result<FrameResult> BlurPipeline::process(std::span<const std::uint8_t> encoded,
                                          std::optional<Codec> output_codec) const {
  Stopwatch total;
  FrameResult out;
  auto info = read_image_info(encoded);
  if (!info) return info.error_value();
  out.codec = output_codec.value_or(info->codec);

  Stopwatch stage;
  auto pixels = decode_image(encoded, options_.limits);
  if (!pixels) return pixels.error_value();
  out.times.decode = stage.seconds();
  out.width = pixels->cols;
  out.height = pixels->rows;

  auto faces = process_pixels(*pixels, &out.times);
  if (!faces) return faces.error_value();
  out.faces = std::move(*faces);

  stage.reset();
  auto encoded_out = encode_image(*pixels, out.codec, options_.encode);
  if (!encoded_out) return encoded_out.error_value();
  out.image = std::move(*encoded_out);
  out.times.encode = stage.seconds();
  out.times.total = total.seconds();
  return out;
}

}  // namespace faaslab::blur
