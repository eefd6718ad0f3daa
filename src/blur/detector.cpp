#include "blur/detector.h"

#include <unistd.h>

#include <strings.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "blur/blazeface_detector.h"
#include "blur/haar_detector.h"

#ifndef FAASLAB_MODELS_DIR
#define FAASLAB_MODELS_DIR ""
#endif
#ifndef FAASLAB_HAAR_DIR
#define FAASLAB_HAAR_DIR "/usr/share/opencv4/haarcascades"
#endif

namespace faaslab::blur {
namespace fs = std::filesystem;
namespace {

const char* model_file(DetectorKind kind) {
  return kind == DetectorKind::kBlazeFace256 ? "face_detection_back_256x256_barracuda.onnx"
                                             : "face_detection_front_128x128_barracuda.onnx";
}

fs::path exe_dir() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p.parent_path();
}

// Model bytes, read once per process and shared by every detector instance.
Result<std::shared_ptr<const std::vector<std::uint8_t>>> load_model_bytes(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const std::vector<std::uint8_t>>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(
        "cannot open model " + path + " (run scripts/setup, or set FAASLAB_MODELS_DIR)",
        Errc::kUnavailable);
  }
  auto bytes = std::make_shared<std::vector<std::uint8_t>>((std::istreambuf_iterator<char>(in)),
                                                           std::istreambuf_iterator<char>());
  if (bytes->empty()) return make_error("model " + path + " is empty", Errc::kUnavailable);
  cache[path] = bytes;
  return std::shared_ptr<const std::vector<std::uint8_t>>(bytes);
}

}  // namespace

std::string_view detector_name(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::kBlazeFace128:
      return "blazeface128";
    case DetectorKind::kBlazeFace256:
      return "blazeface256";
    case DetectorKind::kHaar:
      return "haar";
  }
  return "?";
}

std::optional<DetectorKind> detector_from_name(std::string_view name) {
  for (auto k : {DetectorKind::kBlazeFace128, DetectorKind::kBlazeFace256, DetectorKind::kHaar}) {
    const auto n = detector_name(k);
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return k;
  }
  return std::nullopt;
}

std::string model_path(const DetectorOptions& options) {
  const char* file = model_file(options.kind);
  if (!options.models_dir.empty()) return (fs::path(options.models_dir) / file).string();
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("FAASLAB_MODELS_DIR"); env && *env)
    candidates.emplace_back(env);
  if (*FAASLAB_MODELS_DIR) candidates.emplace_back(FAASLAB_MODELS_DIR);
  candidates.push_back(exe_dir() / ".." / "share" / "faaslab" / "models");
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (fs::exists(dir / file, ec)) return (dir / file).string();
  }
  return (candidates.front() / file).string();
}

Result<std::unique_ptr<FaceDetector>> make_detector(const DetectorOptions& options) {
  try {
    if (options.kind == DetectorKind::kHaar) {
      const std::string file =
          options.haar_cascade.empty()
              ? std::string(FAASLAB_HAAR_DIR) + "/haarcascade_frontalface_default.xml"
              : options.haar_cascade;
      if (!fs::exists(file)) {
        return make_error(
            "Haar cascade " + file + " not found (install opencv-data: scripts/setup)",
            Errc::kUnavailable);
      }
      return std::unique_ptr<FaceDetector>(std::make_unique<HaarDetector>(file));
    }
    auto bytes = load_model_bytes(model_path(options));
    if (!bytes) return bytes.error_value();
    const int size = options.kind == DetectorKind::kBlazeFace256 ? 256 : 128;
    return std::unique_ptr<FaceDetector>(
        std::make_unique<BlazeFaceDetector>(**bytes, size, options));
  } catch (const std::exception& e) {
    return make_error(std::string("cannot create ") + std::string(detector_name(options.kind)) +
                          " detector: " + e.what(),
                      Errc::kUnavailable);
  }
}

}  // namespace faaslab::blur
