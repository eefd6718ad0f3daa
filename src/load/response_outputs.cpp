#include "load/response_outputs.h"

#include <filesystem>
#include <fstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "blur/image_codec.h"
#include "common/base64.h"

namespace faaslab::load {
namespace {

namespace fs = std::filesystem;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Text between `open` and the next `close` after it.
std::optional<std::string_view> between(std::string_view body, std::string_view open, char close) {
  const auto at = body.find(open);
  if (at == std::string_view::npos) return std::nullopt;
  const auto from = at + open.size();
  const auto to = body.find(close, from);
  if (to == std::string_view::npos) return std::nullopt;
  return body.substr(from, to - from);
}

std::string extension_for(std::string_view content_type, std::string_view body) {
  if (auto c = blur::sniff_codec(bytes_of(body))) return *c == blur::Codec::kPng ? "png" : "jpg";
  if (content_type.find("json") != std::string_view::npos) return "json";
  if (content_type.starts_with("text/")) return "txt";
  return "bin";
}

}  // namespace

std::optional<std::vector<std::uint8_t>> image_from_response(std::string_view body) {
  if (blur::sniff_codec(bytes_of(body))) return std::vector<std::uint8_t>(body.begin(), body.end());
  auto b64 = between(body, "\"img\": \"", '"');
  if (!b64) b64 = between(body, "\"img\":\"", '"');
  if (!b64) b64 = between(body, "'img': '", '\'');
  if (!b64) return std::nullopt;
  auto decoded = base64_decode(*b64);
  if (!decoded || !blur::sniff_codec(*decoded)) return std::nullopt;
  return decoded;
}

ResponseOutputs::ResponseOutputs(std::string save_dir, std::string video_path,
                                 const PayloadSet& payloads, std::uint64_t video_user)
    : save_dir_(std::move(save_dir)),
      video_path_(std::move(video_path)),
      payloads_(payloads),
      video_user_(video_user) {}

ResponseOutputs::~ResponseOutputs() = default;

Status ResponseOutputs::prepare() {
  if (!save_dir_.empty()) {
    std::error_code ec;
    fs::create_directories(save_dir_, ec);
    if (ec || !fs::is_directory(save_dir_))
      return make_error("--save-responses: cannot create '" + save_dir_ + "'", Errc::kUnavailable);
  }
  if (!video_path_.empty()) {
    const auto ext = fs::path(video_path_).extension().string();
    if (ext != ".avi" && ext != ".mp4" && ext != ".mkv")
      return make_error("--output-video '" + video_path_ + "': use .avi, .mp4 or .mkv");
    const auto parent = fs::absolute(video_path_).parent_path();
    if (!fs::is_directory(parent))
      return make_error("--output-video: directory '" + parent.string() + "' does not exist");
  }
  return Ok{};
}

bool ResponseOutputs::wants_body(const Record& r) const {
  return !save_dir_.empty() || (!video_path_.empty() && r.user == video_user_ && r.iteration == 0);
}

void ResponseOutputs::on_response(const Record& r, const std::string& label, std::string_view body,
                                  std::string_view content_type) {
  std::lock_guard lock(mu_);
  if (!save_dir_.empty() && r.status > 0) {
    const std::string name = "u" + std::to_string(r.user) + "-i" + std::to_string(r.iteration) +
                             "-" + fs::path(label).stem().string() + "." +
                             extension_for(content_type, body);
    std::ofstream out(fs::path(save_dir_) / name, std::ios::binary);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (out)
      ++saved_;
    else if (error_.empty())
      error_ = "cannot write responses into '" + save_dir_ + "'";
  }
  if (!video_path_.empty() && r.user == video_user_ && r.iteration == 0 &&
      r.payload == next_frame_) {
    add_video_frame(r, body);
    ++next_frame_;
  }
}

void ResponseOutputs::add_video_frame(const Record& r, std::string_view body) {
  cv::Mat frame;
  if (r.ok()) {
    if (auto bytes = image_from_response(body)) {
      if (auto m = blur::decode_image(*bytes)) frame = std::move(*m);
    }
  }
  if (frame.empty()) {
    // Keep the video's timing: put the frame as sent where no blurred one came back.
    const auto& sent = *payloads_.items[r.payload].body;
    auto bytes = image_from_response(sent);
    if (bytes) {
      if (auto m = blur::decode_image(*bytes)) frame = std::move(*m);
    }
    if (frame.empty()) return;
    ++frames_substituted_;
  }
  if (!writer_) {
    const cv::Size size =
        payloads_.width > 0 ? cv::Size(payloads_.width, payloads_.height) : frame.size();
    const double fps = payloads_.fps > 0 ? payloads_.fps : 25;
    const auto ext = fs::path(video_path_).extension().string();
    const char* codecs[2] = {"MJPG", "XVID"};
    if (ext == ".mp4") codecs[0] = "avc1", codecs[1] = "mp4v";
    writer_ = std::make_unique<cv::VideoWriter>();
    for (const char* c : codecs) {
      if (writer_->open(video_path_, cv::CAP_FFMPEG,
                        cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]), fps, size) &&
          writer_->isOpened())
        break;
    }
    if (!writer_->isOpened()) {
      error_ = "cannot open '" + video_path_ + "' for writing";
      return;
    }
  }
  const cv::Size want =
      payloads_.width > 0 ? cv::Size(payloads_.width, payloads_.height) : frame.size();
  if (frame.size() != want && payloads_.width > 0) cv::resize(frame, frame, want);
  writer_->write(frame);
  ++frames_written_;
}

Result<std::string> ResponseOutputs::finish() {
  std::lock_guard lock(mu_);
  if (writer_) writer_->release();
  if (!error_.empty()) return make_error(error_, Errc::kUnavailable);
  std::string out;
  if (!save_dir_.empty()) out += std::to_string(saved_) + " responses saved in " + save_dir_;
  if (!video_path_.empty()) {
    if (!out.empty()) out += "; ";
    out += std::to_string(frames_written_) + " frames written to " + video_path_;
    if (frames_substituted_)
      out += " (" + std::to_string(frames_substituted_) + " not blurred: their request failed)";
  }
  return out;
}

}  // namespace faaslab::load
