#include "blur/blazeface_detector.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace faaslab::blur {
namespace {

// Anchor layout shared by both BlazeFace models: 16x16 cells with 2 anchors, then 8x8 cells
// with 6 anchors; centres at cell centres, sizes fixed to 1 (offsets are in input pixels).
std::vector<cv::Point2f> make_anchors() {
  std::vector<cv::Point2f> anchors;
  anchors.reserve(896);
  const struct { int cells, per_cell; } layers[] = {{16, 2}, {8, 6}};
  for (const auto& layer : layers) {
    for (int y = 0; y < layer.cells; ++y) {
      for (int x = 0; x < layer.cells; ++x) {
        for (int a = 0; a < layer.per_cell; ++a) {
          anchors.emplace_back((static_cast<float>(x) + 0.5f) / static_cast<float>(layer.cells),
                               (static_cast<float>(y) + 0.5f) / static_cast<float>(layer.cells));
        }
      }
    }
  }
  return anchors;
}

int tiles_along(int length, float side) {
  if (static_cast<float>(length) <= side + 0.5f) return 1;
  // Neighbouring tiles overlap by at least a quarter of a tile, so a face on a seam is whole in
  // one.
  return static_cast<int>(std::ceil((static_cast<float>(length) - side) / (0.75f * side))) + 1;
}

// Resizes by `scale` (image pixel x -> x * scale). Large reductions first average k x k blocks
// (OpenCV's integer INTER_AREA fast path, on a crop to a multiple of k: at most k-1 edge pixels,
// which no tile needs to be exact about), then finish bilinearly: 2x cheaper than one
// INTER_AREA resize by a fractional factor, with the same anti-aliasing.
void scale_frame(const cv::Mat& src, float scale, cv::Mat& dst) {
  const int k = scale < 0.5f ? static_cast<int>(1.0f / scale) : 1;
  cv::Mat from = src;
  if (k >= 2) {
    const cv::Rect crop(0, 0, src.cols / k * k, src.rows / k * k);
    cv::resize(src(crop), from, cv::Size(crop.width / k, crop.height / k), 0, 0, cv::INTER_AREA);
  }
  const cv::Size to(
      std::max(1, static_cast<int>(std::lround(static_cast<float>(src.cols / k * k) * scale))),
      std::max(1, static_cast<int>(std::lround(static_cast<float>(src.rows / k * k) * scale))));
  cv::resize(from, dst, to, 0, 0, scale < 1 && k < 2 ? cv::INTER_AREA : cv::INTER_LINEAR);
}

}  // namespace

std::vector<Tile> blazeface_tiles(int width, int height, int levels) {
  std::vector<Tile> tiles;
  const float short_side = static_cast<float>(std::min(width, height));
  for (int level = 0; level < std::max(1, levels); ++level) {
    const float side = short_side / static_cast<float>(1 << level);
    if (side < 16) break;
    const int nx = tiles_along(width, side), ny = tiles_along(height, side);
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i) {
        Tile t;
        t.side = side;
        t.x = nx == 1 ? 0.0f
                      : static_cast<float>(i) * (static_cast<float>(width) - side) /
                            static_cast<float>(nx - 1);
        t.y = ny == 1 ? 0.0f
                      : static_cast<float>(j) * (static_cast<float>(height) - side) /
                            static_cast<float>(ny - 1);
        tiles.push_back(t);
      }
    }
  }
  return tiles;
}

BlazeFaceDetector::BlazeFaceDetector(const std::vector<std::uint8_t>& model, int input_size,
                                     const DetectorOptions& options)
    : size_(input_size), options_(options), anchors_(make_anchors()) {
  const float t = std::clamp(options.score_threshold, 1e-6f, 1.0f - 1e-6f);
  logit_threshold_ = std::log(t / (1.0f - t));
  net_ = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(model.data()), model.size());
  net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  output_names_ = net_.getUnconnectedOutLayersNames();
  if (output_names_.size() != 4) throw std::runtime_error("BlazeFace model must have 4 outputs");
  const int shape[4] = {1, size_, size_, 3};
  input_.create(4, shape, CV_32F);
  // One pass at start-up: OpenCV allocates layer buffers on the first forward, so doing it now
  // keeps that cost out of the first request.
  input_.setTo(0);
  net_.setInput(input_);
  net_.forward(outputs_, output_names_);
}

std::vector<Face> BlazeFaceDetector::detect(const cv::Mat& bgr) {
  std::vector<Face> candidates;
  const auto tiles = blazeface_tiles(bgr.cols, bgr.rows, options_.tile_levels);
  cv::Mat scaled;
  float scaled_side = -1;
  for (const auto& tile : tiles) {
    // One resize per level (tiles of a level share a side): the tile side maps to the input size.
    if (tile.side != scaled_side) {
      scaled_side = tile.side;
      scale_frame(bgr, static_cast<float>(size_) / tile.side, scaled);
    }
    run_tile(scaled, tile, static_cast<float>(size_) / tile.side, candidates);
  }
  return weighted_nms(std::move(candidates), options_.nms_iou);
}

void BlazeFaceDetector::run_tile(const cv::Mat& scaled, const Tile& tile, float scale,
                                 std::vector<Face>& out) {
  // Crop the S x S window (clamped; rounding can leave it a pixel short, padded with edge pixels).
  const int x0 =
      std::clamp(static_cast<int>(std::lround(tile.x * scale)), 0, std::max(0, scaled.cols - 1));
  const int y0 =
      std::clamp(static_cast<int>(std::lround(tile.y * scale)), 0, std::max(0, scaled.rows - 1));
  const cv::Rect roi(x0, y0, std::min(size_, scaled.cols - x0), std::min(size_, scaled.rows - y0));
  cv::Mat window = scaled(roi);
  if (roi.width != size_ || roi.height != size_) {
    cv::copyMakeBorder(window, window, 0, size_ - roi.height, 0, size_ - roi.width,
                       cv::BORDER_REPLICATE);
  }
  // BGR uint8 -> RGB float in [-1, 1], NHWC.
  float* dst = input_.ptr<float>();
  constexpr float kScale = 2.0f / 255.0f;
  for (int y = 0; y < size_; ++y) {
    const std::uint8_t* src = window.ptr<std::uint8_t>(y);
    for (int x = 0; x < size_; ++x, src += 3, dst += 3) {
      dst[0] = static_cast<float>(src[2]) * kScale - 1.0f;
      dst[1] = static_cast<float>(src[1]) * kScale - 1.0f;
      dst[2] = static_cast<float>(src[0]) * kScale - 1.0f;
    }
  }
  net_.setInput(input_);
  net_.forward(outputs_, output_names_);

  // Outputs by shape: scores 1x512x1 and 1x384x1, regressors 1x512x16 and 1x384x16.
  const float* scores[2] = {nullptr, nullptr};
  const float* boxes[2] = {nullptr, nullptr};
  for (const auto& o : outputs_) {
    const int n = o.size[1], k = o.dims > 2 ? o.size[2] : 1;
    const int layer = n == 512 ? 0 : 1;
    (k == 1 ? scores : boxes)[layer] = o.ptr<float>();
  }
  if (!scores[0] || !scores[1] || !boxes[0] || !boxes[1])
    throw std::runtime_error("unexpected BlazeFace outputs");

  const float inv = 1.0f / static_cast<float>(size_);
  const float side = tile.side;
  for (int layer = 0, base = 0; layer < 2; base += (layer == 0 ? 512 : 384), ++layer) {
    const int count = layer == 0 ? 512 : 384;
    for (int i = 0; i < count; ++i) {
      const float logit = scores[layer][i];
      if (logit < logit_threshold_) continue;
      const float* r = boxes[layer] + static_cast<std::ptrdiff_t>(i) * 16;
      const cv::Point2f a = anchors_[static_cast<std::size_t>(base + i)];
      const float cx = a.x + r[0] * inv, cy = a.y + r[1] * inv;
      const float w = r[2] * inv, h = r[3] * inv;
      if (w <= 0 || h <= 0) continue;
      Face f;
      f.score = 1.0f / (1.0f + std::exp(-std::clamp(logit, -100.0f, 100.0f)));
      f.box = cv::Rect2f(tile.x + (cx - w / 2) * side, tile.y + (cy - h / 2) * side, w * side,
                         h * side);
      for (int k = 0; k < 6; ++k) {
        f.keypoints[static_cast<std::size_t>(k)] = cv::Point2f(
            tile.x + (a.x + r[4 + 2 * k] * inv) * side, tile.y + (a.y + r[5 + 2 * k] * inv) * side);
      }
      out.push_back(f);
    }
  }
}

}  // namespace faaslab::blur
