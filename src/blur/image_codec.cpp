#include "blur/image_codec.h"

#include <strings.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <spng.h>
#include <turbojpeg.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

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

// TurboJPEG handles are not thread-safe and cost an allocation to make: one per thread each
// for decompression and compression, freed when the thread ends.
class TurboHandle {
 public:
  explicit TurboHandle(bool compress) : h_(compress ? tjInitCompress() : tjInitDecompress()) {}
  ~TurboHandle() {
    if (h_) tjDestroy(h_);
  }
  TurboHandle(const TurboHandle&) = delete;
  TurboHandle& operator=(const TurboHandle&) = delete;
  tjhandle get() const { return h_; }

 private:
  tjhandle h_;
};

Result<cv::Mat> decode_jpeg(std::span<const std::uint8_t> b, const ImageInfo& info) {
  thread_local TurboHandle handle(false);
  if (!handle.get()) return make_error("TurboJPEG unavailable", Errc::kInternal);
  cv::Mat img(info.height, info.width, CV_8UC3);
  if (tjDecompress2(handle.get(), b.data(), static_cast<unsigned long>(b.size()), img.data,
                    info.width, static_cast<int>(img.step), info.height, TJPF_BGR, 0) != 0 &&
      tjGetErrorCode(handle.get()) != TJERR_WARNING) {
    return make_error(std::string("corrupt jpeg data: ") + tjGetErrorStr2(handle.get()));
  }
  return img;
}

Result<cv::Mat> decode_png(std::span<const std::uint8_t> b, const ImageInfo& info) {
  std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(0), &spng_ctx_free);
  if (!ctx) return make_error("libspng unavailable", Errc::kInternal);
  spng_set_png_buffer(ctx.get(), b.data(), b.size());
  cv::Mat img(info.height, info.width, CV_8UC3);
  std::size_t size = 0;
  int rc = spng_decoded_image_size(ctx.get(), SPNG_FMT_RGB8, &size);
  if (rc == 0 && size != img.total() * 3) rc = SPNG_EOVERFLOW;
  if (rc == 0) rc = spng_decode_image(ctx.get(), img.data, size, SPNG_FMT_RGB8, 0);
  if (rc != 0) return make_error(std::string("corrupt png data: ") + spng_strerror(rc));
  cv::cvtColor(img, img, cv::COLOR_RGB2BGR);
  return img;
}

Result<std::vector<std::uint8_t>> encode_jpeg(const cv::Mat& img, int quality) {
  thread_local TurboHandle handle(true);
  if (!handle.get()) return make_error("TurboJPEG unavailable", Errc::kInternal);
  const bool grey = img.channels() == 1;
  const int subsampling = grey ? TJSAMP_GRAY : TJSAMP_420;
  // A worst-case-sized buffer per thread, reused: the output is ~5% of it, and a fresh one
  // would cost a page fault per 4 KiB. Grown without zeroing (a vector's resize would write
  // every page of it: 3.5 MB for a 1308x888 frame, most of what a fork child wrote), so only
  // the pages the encoder writes are ever touched.
  struct Scratch {
    std::unique_ptr<unsigned char[]> data;
    std::size_t size = 0;
  };
  thread_local Scratch scratch;
  const std::size_t need = tjBufSize(img.cols, img.rows, subsampling);
  if (scratch.size < need) {
    scratch.data.reset(new unsigned char[need]);  // default-initialised: not written
    scratch.size = need;
  }
  unsigned char* dst = scratch.data.get();
  unsigned long size = static_cast<unsigned long>(scratch.size);
  if (tjCompress2(handle.get(), img.data, img.cols, static_cast<int>(img.step), img.rows,
                  grey ? TJPF_GRAY : TJPF_BGR, &dst, &size, subsampling,
                  std::clamp(quality, 1, 100), TJFLAG_NOREALLOC) != 0) {
    return make_error(std::string("JPEG encoding failed: ") + tjGetErrorStr2(handle.get()),
                      Errc::kInternal);
  }
  return std::vector<std::uint8_t>(dst, dst + size);
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
  return info->codec == Codec::kPng ? decode_png(bytes, *info) : decode_jpeg(bytes, *info);
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
    return encode_jpeg(bgr, options.jpeg_quality);
  } catch (const std::exception& e) {
    return make_error(std::string("encoding failed: ") + e.what(), Errc::kInternal);
  }
}

}  // namespace faaslab::blur
