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
      DemoInputs in{fs::weakly_canonical(stack, ec).string(),
                    fs::weakly_canonical(video, ec).string(), "", ""};
      const auto edge_stack = root / "deploy" / "edge-cloud-stack.yml";
      const auto topology = root / "deploy" / "topologies" / "reference.yml";
      if (fs::exists(edge_stack, ec) && fs::exists(topology, ec)) {
        in.edge_cloud_stack = fs::weakly_canonical(edge_stack, ec).string();
        in.reference_topology = fs::weakly_canonical(topology, ec).string();
      }
      return in;
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
    << "  functions: {classic: slblur, http: slblur-warm, fork: slblur-fork}\n"
    << "workload:\n"
    << "  video: " << quoted(in.video) << "\n";
  if (quick) {
    y << "  frame_step: 9           # frames 0, 9, 18, 27, 36\n";
  } else {
    // Time-boxed: every configuration gets the same 10 s, so the busy ones measure hundreds
    // of requests and every run has enough for its batch-means interval (docs/model.md).
    y << "  frame_step: 4           # every fourth frame: 10 of the 37, over and over\n"
      << "  iterations: 0\n"
      << "  duration: " << kDemoRunSeconds
      << "s            # each run's users send for this long\n";
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
      << "  think: [0s, 500ms]\n";
  }
  y << "  mode: [classic, http, fork]\n"
    << "  replicas: [1]\n"
    << "repetitions: " << (quick ? 1 : kDemoRepetitions)
    << (quick ? "\n"
              : "          # the grid twice, minutes apart: one disturbed run is half a figure\n")
    << "warmup: 0                 # keep the cold first request: the study's figures show it\n"
    << "cooldown: " << (quick ? "100ms" : "500ms") << "\n";
  return y.str();
}

std::string demo_edge_cloud_yaml(const DemoInputs& in) {
  std::ostringstream y;
  y << "# faaslab demo, edge–cloud part: where should the face-blur run? Re-run with:\n"
    << "# sudo faaslab sweep -f edge-cloud.yaml --db edge-cloud.db\n"
    << "name: demo-edge-cloud\n"
    << "target:\n"
    << "  stack: " << quoted(in.edge_cloud_stack) << "\n"
    << "  function: slblur       # one replica on each node\n"
    << "topologies:\n"
    << "  reference: " << quoted(in.reference_topology) << "\n"
    << "  near-cloud:\n"
    << "    nodes:\n"
    << "      edge-1: {role: edge, cpus: 0.5, max_replicas: 2}\n"
    << "      cloud-1: {role: cloud, cpus: 1.5, max_replicas: 4}\n"
    << "    links:\n"
    << "      - {from: client, to: edge-1, delay: 2ms, bandwidth: 100Mbit}\n"
    << "      - {from: edge-1, to: cloud-1, delay: 5ms, bandwidth: 100Mbit}\n"
    << "workload:\n"
    << "  video: " << quoted(in.video) << "\n"
    << "  frames: 8\n"
    << "  codec: jpeg             # a base64 PNG frame is ~7x the bytes over the uplink\n"
    << "  mode: http\n"
    << "  replicas: 2\n"
    << "  timeout: 25s\n"
    << "grid:\n"
    << "  topology: [reference, near-cloud]\n"
    << "  placement: [edge-only, cloud-only, edge-first]\n"
    << "  users: [1, 2, 4]\n"
    << "repetitions: 1\n"
    << "warmup: 1\n"
    << "cooldown: 200ms\n";
  return y.str();
}

std::vector<std::string> demo_calibration_runs(bool quick) {
  if (quick) return {"users=1,think=0"};
  // One user with and without think time: the service back to back and what a request after
  // an idle gap pays more (GroupCalibration::idle_penalty_s); eight users: the loaded overhead.
  return {"users=1,think=0", "users=1,think=0.5", "users=8,think=0"};
}

}  // namespace faaslab::experiment
