// Image bytes <-> pixels. Codecs are recognised by their magic bytes, never by headers or file
// names. Dimensions are read from the header before any pixel is decoded, so an image over the
// pixel limit (a decompression bomb) is refused at the cost of a few bytes of parsing.
//
// All functions are thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "common/result.h"

namespace faaslab::blur {

enum class Codec { kJpeg, kPng };

std::string_view codec_name(Codec codec);       // "jpeg", "png"
std::string_view codec_mime_type(Codec codec);  // "image/jpeg", "image/png"
// "jpeg", "jpg", "png", "image/jpeg", "image/png" (case-insensitive); nullopt otherwise.
std::optional<Codec> codec_from_name(std::string_view name);

// JPEG (FF D8 FF) or PNG (89 'PNG' 0D 0A 1A 0A) by magic bytes.
std::optional<Codec> sniff_codec(std::span<const std::uint8_t> bytes);

struct ImageInfo {
  Codec codec = Codec::kJpeg;
  int width = 0;
  int height = 0;
  int channels = 0;
};

// Reads codec and dimensions from the header only. Errors: not an image, malformed header.
Result<ImageInfo> read_image_info(std::span<const std::uint8_t> bytes);

struct DecodeLimits {
  std::uint64_t max_pixels = 40'000'000;  // width * height; over it -> Errc::kTooLarge
};

// Decodes to 8-bit BGR. Checks the pixel limit first, then the container structure (a PNG must
// hold complete chunks up to IEND, a JPEG must end with EOI) so truncated files are errors
// rather than half-grey pictures, then decodes.
Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

struct EncodeOptions {
  int jpeg_quality = 90;  // 1..100
  // PNG: ISA-L igzip level 0..3 (0 fastest, 3 smallest) and row filter. Level 1 with the Up
  // filter is the measured sweet spot for camera frames (docs/performance.md).
  int png_level = 1;
  enum class PngFilter { kNone, kSub, kUp } png_filter = PngFilter::kUp;
  // Bands compressed in parallel (PNG); 0 = OpenCV's thread count.
  int png_threads = 0;
};

Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& bgr, Codec codec,
                                               const EncodeOptions& options = {});

}  // namespace faaslab::blur
