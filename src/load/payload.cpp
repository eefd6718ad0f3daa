#include "load/payload.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "blur/image_codec.h"
#include "common/base64.h"
#include "common/env.h"

namespace faaslab::load {
namespace {

namespace fs = std::filesystem;

Result<std::string> read_whole_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return make_error("'" + path.string() + "' is not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read '" + path.string() + "'");
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return make_error("cannot read '" + path.string() + "'");
  return data;
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// PNG exactly as the study's client wrote it: cv2.imwrite with OpenCV's default parameters.
Result<std::string> encode_png_like_opencv(const cv::Mat& frame) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(".png", frame, out)) return make_error("PNG encoding failed", Errc::kInternal);
  return std::string(out.begin(), out.end());
}

Result<std::string> encode_frame(const cv::Mat& frame, WireFormat format) {
  if (format == WireFormat::kJpeg) {
    blur::EncodeOptions options;
    options.png_threads = 1;
    auto jpeg = blur::encode_image(frame, blur::Codec::kJpeg, options);
    if (!jpeg) return jpeg.error_value();
    return std::string(jpeg->begin(), jpeg->end());
  }
  auto png = encode_png_like_opencv(frame);
  if (!png) return png;
  if (format == WireFormat::kBase64) return base64_encode(bytes_of(*png));
  return png;
}

std::string content_type_for(WireFormat format, std::optional<blur::Codec> codec) {
  switch (format) {
    case WireFormat::kBase64:
      return "";  // the study's client sent none
    case WireFormat::kJpeg:
      return "image/jpeg";
    case WireFormat::kPng:
      return "image/png";
    case WireFormat::kAsIs:
      break;
  }
  return codec ? std::string(blur::codec_mime_type(*codec)) : "application/octet-stream";
}

std::string human_bytes(std::uint64_t n) {
  char buf[32];
  if (n >= 1000000)
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(n) / 1e3);
  return buf;
}

std::string_view format_name(WireFormat f) {
  switch (f) {
    case WireFormat::kAsIs:
      return "as-is";
    case WireFormat::kPng:
      return "png";
    case WireFormat::kJpeg:
      return "jpeg";
    case WireFormat::kBase64:
      return "base64";
  }
  return "?";
}

Result<PayloadSet> load_video(const PayloadSource& src) {
  std::error_code ec;
  if (!fs::exists(src.path, ec)) return make_error("video '" + src.path + "' does not exist");
  cv::VideoCapture in(src.path, cv::CAP_FFMPEG);
  if (!in.isOpened()) return make_error("cannot read '" + src.path + "' as a video");
  PayloadSet set;
  set.fps = in.get(cv::CAP_PROP_FPS);
  if (!(set.fps > 0 && set.fps < 1000)) set.fps = 25;
  std::vector<cv::Mat> frames;
  for (;;) {
    if (src.max_items && frames.size() >= src.max_items) break;
    cv::Mat frame;
    if (!in.read(frame) || frame.empty()) break;
    frames.push_back(std::move(frame));
  }
  if (frames.empty()) return make_error("'" + src.path + "' has no readable frames");
  set.width = frames[0].cols;
  set.height = frames[0].rows;
  const WireFormat format = src.format == WireFormat::kAsIs ? WireFormat::kPng : src.format;

  // Encode in parallel: PNG at OpenCV's defaults costs tens of ms per 1308x888 frame.
  const std::size_t threads =
      static_cast<std::size_t>(std::max(1, src.threads > 0 ? src.threads : available_cores()));
  std::vector<Result<std::string>> encoded(frames.size(), make_error("not encoded"));
  std::vector<std::future<void>> jobs;
  for (std::size_t t = 0; t < threads; ++t) {
    jobs.push_back(std::async(std::launch::async, [&, t] {
      for (std::size_t i = t; i < frames.size(); i += threads)
        encoded[i] = encode_frame(frames[i], format);
    }));
  }
  for (auto& j : jobs) j.get();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!encoded[i])
      return make_error("frame " + std::to_string(i + 1) + ": " + encoded[i].error());
    char label[32];
    std::snprintf(label, sizeof label, "frame-%04zu", i + 1);
    set.items.push_back({label, content_type_for(format, std::nullopt),
                         std::make_shared<const std::string>(std::move(*encoded[i])), ""});
  }
  set.description = std::to_string(set.items.size()) + " frames of " +
                    fs::path(src.path).filename().string() + " as " +
                    std::string(format_name(format)) + " (" + human_bytes(set.total_bytes()) + ")";
  return set;
}

// One image file, converted to the wire format if needed.
Result<Payload> load_image_file(const fs::path& path, WireFormat format) {
  auto data = read_whole_file(path);
  if (!data) return data.error_value();
  const auto codec = blur::sniff_codec(bytes_of(*data));
  if (!codec) return make_error("'" + path.string() + "' is not a JPEG or PNG image");
  std::string body;
  const bool same = format == WireFormat::kAsIs || format == WireFormat::kBase64 ||
                    (format == WireFormat::kPng && *codec == blur::Codec::kPng) ||
                    (format == WireFormat::kJpeg && *codec == blur::Codec::kJpeg);
  if (same) {
    body = format == WireFormat::kBase64 ? base64_encode(bytes_of(*data)) : std::move(*data);
  } else {
    auto pixels = blur::decode_image(bytes_of(*data));
    if (!pixels) return make_error("'" + path.string() + "': " + pixels.error());
    auto enc = encode_frame(*pixels, format);
    if (!enc) return enc.error_value();
    body = std::move(*enc);
  }
  return Payload{path.filename().string(), content_type_for(format, codec),
                 std::make_shared<const std::string>(std::move(body)),
                 format == WireFormat::kAsIs ? fs::absolute(path).string() : ""};
}

}  // namespace

Result<WireFormat> wire_format_from_name(const std::string& name) {
  if (name == "as-is") return WireFormat::kAsIs;
  if (name == "png") return WireFormat::kPng;
  if (name == "jpeg" || name == "jpg") return WireFormat::kJpeg;
  if (name == "base64") return WireFormat::kBase64;
  return make_error("unknown format '" + name + "' (as-is, png, jpeg or base64)");
}

std::uint64_t PayloadSet::total_bytes() const {
  std::uint64_t n = 0;
  for (const auto& p : items) n += p.body->size();
  return n;
}

Result<PayloadSet> load_payloads(const PayloadSource& src) {
  using Kind = PayloadSource::Kind;
  if (src.kind == Kind::kVideo) return load_video(src);
  PayloadSet set;
  if (src.kind == Kind::kBody) {
    auto data = read_whole_file(src.path);
    if (!data) return data.error_value();
    const std::string type =
        src.content_type.empty() ? "application/octet-stream" : src.content_type;
    set.items.push_back({fs::path(src.path).filename().string(), type,
                         std::make_shared<const std::string>(std::move(*data)),
                         fs::absolute(src.path).string()});
  } else if (src.kind == Kind::kImage) {
    auto p = load_image_file(src.path, src.format);
    if (!p) return p.error_value();
    set.items.push_back(std::move(*p));
  } else {
    std::error_code ec;
    if (!fs::is_directory(src.path, ec)) return make_error("'" + src.path + "' is not a directory");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(src.path, ec))
      if (e.is_regular_file()) files.push_back(e.path());
    if (ec) return make_error("cannot list '" + src.path + "': " + ec.message());
    std::sort(files.begin(), files.end());
    if (src.max_items && files.size() > src.max_items) files.resize(src.max_items);
    if (files.empty()) return make_error("'" + src.path + "' holds no files");
    for (const auto& f : files) {
      auto p = load_image_file(f, src.format);
      if (!p) return p.error_value();
      set.items.push_back(std::move(*p));
    }
  }
  set.description =
      std::to_string(set.items.size()) + (set.items.size() == 1 ? " body" : " bodies") + " from " +
      fs::path(src.path).filename().string() + " (" + human_bytes(set.total_bytes()) + ")";
  return set;
}

PayloadSet payloads_from_bodies(const std::vector<std::string>& bodies,
                                const std::string& content_type) {
  PayloadSet set;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    char label[32];
    std::snprintf(label, sizeof label, "body-%04zu", i + 1);
    set.items.push_back({label, content_type, std::make_shared<const std::string>(bodies[i]), ""});
  }
  set.description = std::to_string(bodies.size()) + " in-memory bodies";
  return set;
}

}  // namespace faaslab::load
