// Per-stage cost of the face-blur pipeline on one 1308x888 frame, on one core (OpenCV's thread
// pool off) unless --threads=N is given.
//
//   build/bin/blur_bench [--threads=N] [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "bench_frames.h"
#include "blur/blur.h"
#include "common/malloc_tuning.h"

namespace faaslab::blur {
namespace {

using bench::bench_frames;

void BM_DecodeJpeg(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(decode_image(bench_frames().jpeg));
}
BENCHMARK(BM_DecodeJpeg)->Unit(benchmark::kMillisecond);

void BM_DecodePng(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(decode_image(bench_frames().png));
}
BENCHMARK(BM_DecodePng)->Unit(benchmark::kMillisecond);

void BM_Detect(benchmark::State& state) {
  DetectorOptions options;
  options.kind = static_cast<DetectorKind>(state.range(0));
  options.tile_levels = static_cast<int>(state.range(1));
  auto detector = make_detector(options);
  if (!detector) return state.SkipWithError(detector.error().c_str());
  std::size_t faces = 0;
  for (auto _ : state) faces = (*detector)->detect(bench_frames().pixels).size();
  state.SetLabel(std::string(detector_name(options.kind)) + " levels=" +
                 std::to_string(options.tile_levels) + " faces=" + std::to_string(faces));
}
BENCHMARK(BM_Detect)
    ->Args({static_cast<int>(DetectorKind::kBlazeFace128), 1})
    ->Args({static_cast<int>(DetectorKind::kBlazeFace128), 2})
    ->Args({static_cast<int>(DetectorKind::kBlazeFace256), 1})
    ->Args({static_cast<int>(DetectorKind::kHaar), 1})
    ->Unit(benchmark::kMillisecond);

void BM_Blur(benchmark::State& state) {
  AnonymizeOptions options;
  options.method = static_cast<BlurMethod>(state.range(0));
  Face face;
  face.box = cv::Rect2f(520, 140, 160, 160);  // the frame's face, as BlazeFace reports it
  cv::Mat frame = bench_frames().pixels.clone();
  for (auto _ : state) anonymize(frame, {face}, options);
  state.SetLabel(std::string(blur_method_name(options.method)));
}
BENCHMARK(BM_Blur)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_EncodeJpeg(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(encode_image(bench_frames().pixels, Codec::kJpeg));
}
BENCHMARK(BM_EncodeJpeg)->Unit(benchmark::kMillisecond);

// faaslab's PNG writer at zlib level range(0), filter range(1) (0 none, 1 sub, 2 up).
void BM_EncodePng(benchmark::State& state) {
  EncodeOptions options;
  options.png_level = static_cast<int>(state.range(0));
  options.png_filter = static_cast<EncodeOptions::PngFilter>(state.range(1));
  std::size_t size = 0;
  for (auto _ : state) size = encode_image(bench_frames().pixels, Codec::kPng, options)->size();
  state.counters["bytes"] = static_cast<double>(size);
}
BENCHMARK(BM_EncodePng)
    ->Args({1, 2})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({3, 2})
    ->Args({0, 2})
    ->Args({2, 2})
    ->Unit(benchmark::kMillisecond);

// Baseline: OpenCV's own PNG writer at its default settings.
void BM_EncodePngOpenCV(benchmark::State& state) {
  std::vector<std::uint8_t> out;
  for (auto _ : state) cv::imencode(".png", bench_frames().pixels, out);
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_EncodePngOpenCV)->Unit(benchmark::kMillisecond);

// Baseline for the whole handler: OpenCV's own decode + encode of the same frame, no detection.
void BM_OpenCVRoundTrip(benchmark::State& state) {
  const bool jpeg = state.range(0) == 0;
  const auto& input = jpeg ? bench_frames().jpeg : bench_frames().png;
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    const cv::Mat pixels = cv::imdecode(input, cv::IMREAD_COLOR);
    cv::imencode(jpeg ? ".jpg" : ".png", pixels, out);
  }
  state.SetLabel(jpeg ? "jpeg" : "png");
}
BENCHMARK(BM_OpenCVRoundTrip)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The whole handler: encoded frame in, blurred frame (same codec) out.
void BM_Pipeline(benchmark::State& state) {
  auto pipeline = BlurPipeline::create({});
  if (!pipeline) return state.SkipWithError(pipeline.error().c_str());
  const auto& input = state.range(0) == 0 ? bench_frames().jpeg : bench_frames().png;
  for (auto _ : state) {
    auto r = (*pipeline)->process(input);
    if (!r) return state.SkipWithError(r.error().c_str());
  }
  state.SetLabel(state.range(0) == 0 ? "jpeg" : "png");
}
BENCHMARK(BM_Pipeline)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace faaslab::blur

int main(int argc, char** argv) {
  int threads = 1;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      threads = std::atoi(argv[i] + 10);
    else
      argv[out++] = argv[i];
  }
  argc = out;
  cv::setNumThreads(threads);
  faaslab::keep_large_buffers_in_heap();  // as faaslab-fn does
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("opencv_threads", std::to_string(cv::getNumThreads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
