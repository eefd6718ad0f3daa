#include "blur/image_codec.h"

#include <strings.h>

#include <algorithm>
#include <cstring>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "blur/png_encoder.h"

namespace faaslab::blur {
namespace {

constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

Result<ImageInfo> read_png_info(std::span<const std::uint8_t> b) {
  // Signature, then IHDR must come first: length 13, "IHDR", width, height, depth, colour type.
  if (b.size() < 8 + 8 + 13 + 4) return make_error("truncated PNG header");
  if (be32(&b[8]) != 13 || std::memcmp(&b[12], "IHDR", 4) != 0)
    return make_error("malformed PNG: IHDR is not first");
  ImageInfo info;
  info.codec = Codec::kPng;
  const std::uint32_t w = be32(&b[16]), h = be32(&b[20]);
  if (w == 0 || h == 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF)
    return make_error("malformed PNG: invalid dimensions");
  info.width = static_cast<int>(std::min<std::uint32_t>(w, 0x7FFFFFFF));
  info.height = static_cast<int>(std::min<std::uint32_t>(h, 0x7FFFFFFF));
  switch (b[25]) {
    case 0:
      info.channels = 1;
      break;
    case 2:
      info.channels = 3;
      break;
    case 3:
      info.channels = 3;
      break;  // palette
    case 4:
      info.channels = 2;
      break;
    case 6:
      info.channels = 4;
      break;
    default:
      return make_error("malformed PNG: unknown colour type");
  }
  return info;
}

// Walks the chunk list: every chunk must be complete, and IEND must be reached.
Status check_png_complete(std::span<const std::uint8_t> b) {
  std::size_t at = 8;
  while (at + 12 <= b.size()) {
    const std::uint64_t len = be32(&b[at]);
    if (at + 12 + len > b.size())
      return make_error("truncated PNG: chunk extends past the end of the data");
    if (std::memcmp(&b[at + 4], "IEND", 4) == 0) return Ok{};
    at += 12 + len;
  }
  return make_error("truncated PNG: no IEND chunk");
}

Result<ImageInfo> read_jpeg_info(std::span<const std::uint8_t> b) {
  std::size_t at = 2;  // after SOI
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) return make_error("malformed JPEG: expected a marker");
    const std::uint8_t marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    const std::size_t len = be16(&b[at + 2]);
    if (len < 2 || at + 2 + len > b.size()) return make_error("truncated JPEG header");
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (len < 8) return make_error("malformed JPEG: short frame header");
      ImageInfo info;
      info.codec = Codec::kJpeg;
      info.height = be16(&b[at + 5]);
      info.width = be16(&b[at + 7]);
      info.channels = b[at + 9];
      if (info.width == 0 || info.height == 0)
        return make_error("malformed JPEG: invalid dimensions");
      return info;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // scan data or end without a frame header
    at += 2 + len;
  }
  return make_error("truncated JPEG: no frame header");
}

// A complete JPEG ends with EOI (FF D9); some writers pad after it with zeros or whitespace.
Status check_jpeg_complete(std::span<const std::uint8_t> b) {
  std::size_t end = b.size();
  while (end > 2 &&
         (b[end - 1] == 0x00 || b[end - 1] == '\n' || b[end - 1] == '\r' || b[end - 1] == ' '))
    --end;
  if (end < 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9)
    return make_error("truncated JPEG: no end-of-image marker");
  return Ok{};
}

}  // namespace

std::string_view codec_name(Codec codec) {
  return codec == Codec::kJpeg ? "jpeg" : "png";
}
std::string_view codec_mime_type(Codec codec) {
  return codec == Codec::kJpeg ? "image/jpeg" : "image/png";
}

std::optional<Codec> codec_from_name(std::string_view name) {
  auto is = [&](const char* s) {
    return name.size() == std::strlen(s) && strncasecmp(name.data(), s, name.size()) == 0;
  };
  if (is("jpeg") || is("jpg") || is("image/jpeg") || is("image/jpg")) return Codec::kJpeg;
  if (is("png") || is("image/png")) return Codec::kPng;
  return std::nullopt;
}

std::optional<Codec> sniff_codec(std::span<const std::uint8_t> b) {
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Codec::kJpeg;
  if (b.size() >= 8 && std::memcmp(b.data(), kPngSignature, 8) == 0) return Codec::kPng;
  return std::nullopt;
}

Result<ImageInfo> read_image_info(std::span<const std::uint8_t> bytes) {
  const auto codec = sniff_codec(bytes);
  if (!codec) return make_error("not a JPEG or PNG image");
  return *codec == Codec::kPng ? read_png_info(bytes) : read_jpeg_info(bytes);
}

Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  auto info = read_image_info(bytes);
  if (!info) return info.error_value();
  const std::uint64_t pixels = std::uint64_t(info->width) * std::uint64_t(info->height);
  if (pixels > limits.max_pixels) {
    return make_error("image is " + std::to_string(info->width) + "x" +
                          std::to_string(info->height) + " = " + std::to_string(pixels) +
                          " pixels, over the limit of " + std::to_string(limits.max_pixels),
                      Errc::kTooLarge);
  }
  auto complete =
      info->codec == Codec::kPng ? check_png_complete(bytes) : check_jpeg_complete(bytes);
  if (!complete) return complete.error_value();
  // cv::imdecode takes a Mat header over our bytes; it does not write to them.
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                       const_cast<std::uint8_t*>(bytes.data()));
  cv::Mat img;
  try {
    img = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return make_error(std::string("cannot decode ") + std::string(codec_name(info->codec)) + ": " +
                      e.what());
  }
  if (img.empty()) return make_error("corrupt " + std::string(codec_name(info->codec)) + " data");
  return img;
}

Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& bgr, Codec codec,
                                               const EncodeOptions& options) {
  if (bgr.empty()) return make_error("cannot encode an empty image", Errc::kInternal);
  try {
    if (codec == Codec::kPng) {
      const int bands =
          options.png_threads > 0 ? options.png_threads : std::max(1, cv::getNumThreads());
      return encode_png(bgr, options.png_level, options.png_filter, bands);
    }
    std::vector<std::uint8_t> out;
    const std::vector<int> params{cv::IMWRITE_JPEG_QUALITY,
                                  std::clamp(options.jpeg_quality, 1, 100)};
    if (!cv::imencode(".jpg", bgr, out, params))
      return make_error("JPEG encoding failed", Errc::kInternal);
    return out;
  } catch (const std::exception& e) {
    return make_error(std::string("encoding failed: ") + e.what(), Errc::kInternal);
  }
}

}  // namespace faaslab::blur
