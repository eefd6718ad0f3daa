// faaslab client VIDEO --sleep S [--url U]: the study's one-user video client
// (src/load/study_client.h).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/units.h"
#include "load/study_client.h"

namespace faaslab::cli {
namespace {

struct ClientArgs {
  std::string video, sleep = "0s", timeout = "25s";
  std::string url = "http://127.0.0.1:8080/function/slblur";
  std::uint32_t frames = 0;
};

int run_client(const ClientArgs& a) {
  load::StudyClientOptions o;
  o.video = a.video;
  o.url = a.url;
  o.max_frames = a.frames;
  auto sleep = parse_duration(a.sleep);
  if (!sleep) return std::cerr << "faaslab client: --sleep: " << sleep.error() << "\n", 2;
  o.sleep = *sleep;
  auto timeout = parse_duration(a.timeout);
  if (!timeout || timeout->count() <= 0)
    return std::cerr << "faaslab client: --timeout: must be a positive duration\n", 2;
  o.timeout = *timeout;
  auto failed = load::run_study_client(o, stdout);
  if (!failed) {
    std::cerr << "faaslab client: " << failed.error() << "\n";
    return 1;
  }
  return *failed == 0 ? 0 : 1;
}

}  // namespace

void add_client_command(CLI::App& app, CommandRunner& run) {
  auto a = std::make_shared<ClientArgs>();
  auto* cmd = app.add_subcommand(
      "client",
      "The study's one-user video client: every frame as base64 PNG, sleeping before "
      "each POST; prints per-frame round-trip, ML and total times. Exit 1 if a frame failed");
  cmd->add_option("video", a->video, "Video to send")->required();
  cmd->add_option("--sleep,-s", a->sleep, "Sleep before each POST (e.g. 1s, 500ms)")
      ->capture_default_str();
  cmd->add_option("--url", a->url, "Function URL")->capture_default_str();
  cmd->add_option("--timeout", a->timeout, "Per-frame timeout")->capture_default_str();
  cmd->add_option("--frames", a->frames, "Send only the first N frames");
  cmd->callback([a, &run] { run = [a] { return run_client(*a); }; });
}

}  // namespace faaslab::cli
