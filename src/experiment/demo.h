// The demo campaign: the study's evaluation scaled down to run on one small machine — users
// 1, 2, 4, 8 × think 0 and 0.5 s on one replica, classic, http and fork watchdog, twice, each run
// 6 s of every fourth frame of the 1308×888 test video, over and over — and a quick variant (users
// 1, 2 × think 0, 0.5 s, five frames each) for tests. Written out as a campaign file so
// `faaslab sweep -f` can re-run it.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab::experiment {

// The full demo's runs: the grid twice (repetition-major, so a configuration's two runs are
// minutes apart), each run this long. 48 runs fit the demo's 10 minutes with the edge–cloud
// part; the model is calibrated on both repetitions of its runs and each comparison is read
// against the interval over the two, which made the verdict repeat from one demo to the next
// where single 10 s runs did not (docs/model.md, "The demo's verdict").
inline constexpr int kDemoRunSeconds = 6;
inline constexpr int kDemoRepetitions = 2;

struct DemoInputs {
  std::string stack;  // deploy/stack.yml: slblur (classic), slblur-warm (http), slblur-fork
  std::string video;  // testdata/face-1308x888.mp4, made by scripts/setup
  // The edge–cloud part: deploy/edge-cloud-stack.yml and deploy/topologies/reference.yml.
  std::string edge_cloud_stack, reference_topology;
};

// Finds the checkout's deploy/stack.yml and test video: under $FAASLAB_ROOT, the current
// directory, or two levels above the executable (build/bin/faaslab). Error: not found, naming
// where it looked and that scripts/setup makes the video.
Result<DemoInputs> find_demo_inputs(const std::string& exe_dir);

// The campaign file's text, with absolute paths to the inputs.
std::string demo_campaign_yaml(bool quick, const DemoInputs& inputs);

// The demo's edge–cloud part: the reference topology and one with a near cloud, under
// edge-only, cloud-only and edge-first placement, 1, 2 and 4 users (18 runs, about a minute).
std::string demo_edge_cloud_yaml(const DemoInputs& inputs);

// Which runs calibrate the model (the rest validate it): per mode, one user without think
// time, and for the full demo also one user with think time (the idle penalty) and the most
// loaded point (8 users, no think time).
std::vector<std::string> demo_calibration_runs(bool quick);

}  // namespace faaslab::experiment
