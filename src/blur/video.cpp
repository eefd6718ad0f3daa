#include "blur/video.h"

#include <cstdio>
#include <filesystem>
#include <future>
#include <vector>

#include <opencv2/videoio.hpp>

#include "common/clock.h"

namespace faaslab::blur {
namespace {

std::string fourcc_text(int fourcc) {
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<char>((fourcc >> (8 * i)) & 0xFF);
  return s;
}

// Opens a writer, trying codecs in order of preference for the container.
Result<cv::VideoWriter> open_writer(const std::string& path, double fps, cv::Size size,
                                    std::string& used) {
  const std::string ext = std::filesystem::path(path).extension().string();
  std::vector<const char*> codecs;
  if (ext == ".mp4" || ext == ".mov" || ext == ".m4v")
    codecs = {"avc1", "mp4v"};
  else if (ext == ".avi")
    codecs = {"MJPG", "XVID"};
  else if (ext == ".mkv")
    codecs = {"X264", "MJPG"};
  else
    return make_error("output '" + path + "': unsupported container (use .mp4, .avi or .mkv)");
  for (const char* c : codecs) {
    cv::VideoWriter w;
    const int fourcc = cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]);
    if (w.open(path, cv::CAP_FFMPEG, fourcc, fps, size) && w.isOpened()) {
      used = fourcc_text(fourcc);
      return w;
    }
  }
  return make_error("cannot open '" + path + "' for writing (directory missing or not writable?)",
                    Errc::kUnavailable);
}

}  // namespace

Result<VideoSummary> blur_video(const VideoJob& job, const FrameBlurrer& blur,
                                const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  Stopwatch watch;
  if (!std::filesystem::exists(job.input))
    return make_error("input '" + job.input + "' does not exist");
  cv::VideoCapture in(job.input, cv::CAP_FFMPEG);
  if (!in.isOpened()) return make_error("cannot read '" + job.input + "' as a video");
  VideoSummary summary;
  summary.fps = in.get(cv::CAP_PROP_FPS);
  if (!(summary.fps > 0 && summary.fps < 1000)) summary.fps = 25;
  const auto total = static_cast<std::uint64_t>(std::max(0.0, in.get(cv::CAP_PROP_FRAME_COUNT)));

  cv::VideoWriter out;
  const int parallel = std::max(1, job.parallel);
  auto fail = [&](const std::string& message, Errc code) -> Error {
    if (out.isOpened()) out.release();
    std::error_code ec;
    std::filesystem::remove(job.output, ec);
    return make_error(message, code);
  };

  // Read `parallel` frames, blur them concurrently, write them in order; repeat.
  std::vector<cv::Mat> batch(static_cast<std::size_t>(parallel));
  for (;;) {
    int n = 0;
    while (n < parallel && in.read(batch[static_cast<std::size_t>(n)])) ++n;
    if (n == 0) break;
    if (!out.isOpened()) {
      summary.width = batch[0].cols;
      summary.height = batch[0].rows;
      auto writer = open_writer(job.output, summary.fps, batch[0].size(), summary.codec);
      if (!writer) return writer.error_value();
      out = std::move(*writer);
    }
    std::vector<std::future<Result<int>>> results;
    for (int i = 0; i < n; ++i) {
      results.push_back(std::async(std::launch::async,
                                   [&, i] { return blur(batch[static_cast<std::size_t>(i)], i); }));
    }
    for (int i = 0; i < n; ++i) {
      auto r = results[static_cast<std::size_t>(i)].get();
      if (!r) {
        for (int j = i + 1; j < n; ++j) results[static_cast<std::size_t>(j)].wait();
        return fail("frame " + std::to_string(summary.frames) + ": " + r.error(), r.error_code());
      }
      summary.faces += static_cast<std::uint64_t>(*r);
      out.write(batch[static_cast<std::size_t>(i)]);
      ++summary.frames;
      if (progress) progress(summary.frames, total);
    }
  }
  if (summary.frames == 0) return fail("'" + job.input + "' has no frames", Errc::kInvalidArgument);
  out.release();
  summary.seconds = watch.seconds();
  return summary;
}

}  // namespace faaslab::blur
