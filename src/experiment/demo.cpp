#include "experiment/demo.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace faaslab::experiment {

namespace fs = std::filesystem;

Result<DemoInputs> find_demo_inputs(const std::string& exe_dir) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("FAASLAB_ROOT"); env && *env) roots.emplace_back(env);
  std::error_code ec;
  roots.push_back(fs::current_path(ec));
  if (!exe_dir.empty()) roots.push_back(fs::path(exe_dir) / ".." / "..");
  std::string looked;
  for (const auto& root : roots) {
    const auto stack = root / "deploy" / "stack.yml";
    const auto video = root / "testdata" / "face-1308x888.mp4";
    if (fs::exists(stack, ec) && fs::exists(video, ec)) {
      return DemoInputs{fs::weakly_canonical(stack, ec).string(),
                        fs::weakly_canonical(video, ec).string()};
    }
    looked += (looked.empty() ? "" : ", ") + root.lexically_normal().string();
  }
  return make_error(
      "the demo needs deploy/stack.yml and testdata/face-1308x888.mp4 of a faaslab checkout "
      "(looked in " +
      looked + "; scripts/setup makes the video, FAASLAB_ROOT names the checkout)");
}

// YAML strings: the paths are quoted so any character but a double quote or backslash is fine.
static std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string demo_campaign_yaml(bool quick, const DemoInputs& in) {
  std::ostringstream y;
  y << "# faaslab demo" << (quick ? " --quick" : "")
    << ": the study's evaluation, scaled down. Re-run with: faaslab sweep -f campaign.yaml\n"
    << "name: " << (quick ? "demo-quick" : "demo") << "\n"
    << "target:\n"
    << "  stack: " << quoted(in.stack) << "\n"
    << "  functions: {classic: slblur, http: slblur-warm}\n"
    << "workload:\n"
    << "  video: " << quoted(in.video) << "\n";
  if (quick) {
    y << "  frame_step: 9           # frames 0, 9, 18, 27, 36\n";
  } else {
    y << "  frame_step: 4           # every fourth frame: 10 of the 37\n";
  }
  y << "  codec: base64           # base64 of PNG, as the study's client sent\n"
    << "  timeout: 25s            # the study's failure ceiling\n"
    << "  ramp_up: 1s             # users start 1/N s apart, as the study's JMeter ramp-up\n"
    << "grid:\n";
  if (quick) {
    y << "  users: [1, 2]\n"
      << "  think: [0s, 500ms]\n";
  } else {
    y << "  users: [1, 2, 4, 8]\n"
      << "  think: [0s, 500ms, 2s]\n";
  }
  y << "  mode: [classic, http]\n"
    << "  replicas: [1]\n"
    << "repetitions: 1\n"
    << "warmup: 0                 # keep the cold first request: the study's figures show it\n"
    << "cooldown: " << (quick ? "100ms" : "500ms") << "\n";
  return y.str();
}

std::vector<std::string> demo_calibration_runs(bool quick) {
  if (quick) return {"users=1,think=0"};
  return {"users=1,think=0", "users=8,think=0"};
}

}  // namespace faaslab::experiment
