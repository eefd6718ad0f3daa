// faaslab blur-video IN OUT: blur every face in a video, in process or through a function URL.
#include <opencv2/core.hpp>

#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

#include "blur/blur.h"
#include "blur/remote_blur.h"
#include "blur/video.h"
#include "cli/commands.h"
#include "common/env.h"
#include "common/progress.h"
#include "common/units.h"

namespace faaslab::cli {
namespace {

struct BlurVideoArgs {
  std::string input, output, url, transport = "jpeg", detector = "blazeface128",
                                  method = "gaussian";
  std::string timeout = "25s";
  float score_threshold = 0.75f, margin = 0.25f, strength = 1.0f;
  int tile_levels = 1;
  int parallel = 0;
  bool quiet = false;
};

int run_blur_video(const BlurVideoArgs& a) {
  blur::VideoJob job{a.input, a.output, a.parallel > 0 ? a.parallel : available_cores()};
  blur::FrameBlurrer blurrer;
  std::unique_ptr<blur::BlurPipeline> pipeline;
  std::vector<std::unique_ptr<blur::RemoteBlur>> remotes;

  if (!a.url.empty()) {
    auto url = parse_url(a.url);
    if (!url) return std::cerr << "faaslab blur-video: --url: " << url.error() << "\n", 2;
    auto timeout = parse_duration(a.timeout);
    if (!timeout)
      return std::cerr << "faaslab blur-video: --timeout: " << timeout.error() << "\n", 2;
    const auto codec = *blur::codec_from_name(a.transport);
    for (int i = 0; i < job.parallel; ++i)
      remotes.push_back(std::make_unique<blur::RemoteBlur>(*url, codec, *timeout));
    blurrer = [&remotes](cv::Mat& frame, int worker) {
      return remotes[static_cast<std::size_t>(worker)]->blur(frame);
    };
  } else {
    blur::PipelineOptions options;
    options.detector.kind = *blur::detector_from_name(a.detector);
    options.detector.score_threshold = a.score_threshold;
    options.detector.tile_levels = a.tile_levels;
    options.anonymize.method = *blur::blur_method_from_name(a.method);
    options.anonymize.margin = a.margin;
    options.anonymize.strength = a.strength;
    options.concurrency = job.parallel;
    cv::setNumThreads(1);  // parallel across frames, not within one
    auto created = blur::BlurPipeline::create(options);
    if (!created) return std::cerr << "faaslab blur-video: " << created.error() << "\n", 1;
    pipeline = std::move(*created);
    blurrer = [&pipeline](cv::Mat& frame, int) -> Result<int> {
      auto faces = pipeline->process_pixels(frame);
      if (!faces) return faces.error_value();
      return static_cast<int>(faces->size());
    };
  }

  std::unique_ptr<ProgressLine> bar;
  auto summary = blur::blur_video(job, blurrer, [&](std::uint64_t done, std::uint64_t total) {
    if (!bar)
      bar = std::make_unique<ProgressLine>(total, "frames",
                                           !a.quiet && ProgressLine::stderr_is_terminal());
    bar->update(done);
  });
  if (bar) bar->finish();
  if (!summary) {
    std::cerr << "faaslab blur-video: " << summary.error() << "\n";
    return 1;
  }
  std::printf("%llu frames (%dx%d, %.3g fps, %s), %llu faces blurred, in %.2f s (%.1f frames/s)\n",
              static_cast<unsigned long long>(summary->frames), summary->width, summary->height,
              summary->fps, summary->codec.c_str(), static_cast<unsigned long long>(summary->faces),
              summary->seconds,
              static_cast<double>(summary->frames) / std::max(1e-9, summary->seconds));
  std::printf("%s\n", a.output.c_str());
  return 0;
}

}  // namespace

void add_blur_video_command(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<BlurVideoArgs>();
  auto* cmd = app.add_subcommand(
      "blur-video", "Blur every face in a video (in process, or through a function URL)");
  cmd->add_option("input", args->input, "Input video (any format FFmpeg reads)")->required();
  cmd->add_option("output", args->output,
                  "Output video: .mp4, .avi or .mkv; same size and frame rate")
      ->required();
  cmd->add_option("--url", args->url,
                  "Send each frame to this function URL instead of blurring in process");
  cmd->add_option("--transport", args->transport, "Frame encoding sent to --url")
      ->check(CLI::IsMember({"jpeg", "png"}))
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Per-frame timeout for --url")->capture_default_str();
  cmd->add_option("--parallel,-j", args->parallel, "Frames processed at once (default: cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--detector", args->detector, "Face detector")
      ->check(CLI::IsMember({"blazeface128", "blazeface256", "haar"}))
      ->capture_default_str();
  cmd->add_option("--score-threshold", args->score_threshold, "BlazeFace minimum score")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  cmd->add_option("--tile-levels", args->tile_levels, "Tiling levels; more finds smaller faces")
      ->check(CLI::Range(1, 4))
      ->capture_default_str();
  cmd->add_option("--blur", args->method, "Blur method")
      ->check(CLI::IsMember({"gaussian", "box", "pixelate"}))
      ->capture_default_str();
  cmd->add_option("--margin", args->margin, "Grow each face box by this fraction (twice on top)")
      ->check(CLI::Range(0.0, 2.0))
      ->capture_default_str();
  cmd->add_option("--strength", args->strength, "Blur strength multiplier")
      ->check(CLI::Range(0.1, 10.0))
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args, &run] { run = [args] { return run_blur_video(*args); }; });
}

}  // namespace faaslab::cli
