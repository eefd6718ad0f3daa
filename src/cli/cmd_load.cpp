// faaslab load: drive a function URL with a closed (users, think time) or open (arrival rate)
// workload; record every request; print and save the summary. Flags are read by
// load_flags.h; the work is in src/load/.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/load_flags.h"
#include "common/progress.h"
#include "load/jmx.h"
#include "load/load.h"
#include "load/thresholds.h"

namespace faaslab::cli {
namespace {

int usage_error(const std::string& message) {
  std::cerr << "faaslab load: " << message << "\n";
  return 2;
}

int failure(const std::string& message) {
  std::cerr << "faaslab load: " << message << "\n";
  return 1;
}

// --emit-jmx: the JMeter plan for the workload instead of running it.
int emit_jmx(const std::string& path, const load::LoadOptions& o, const load::PayloadSet& p) {
  if (auto st = load::write_jmx(path, o, p); !st) {
    std::cerr << "faaslab load: " << st.error() << "\n";
    return st.error_code() == Errc::kInvalidArgument ? 2 : 1;
  }
  std::printf("JMeter plan for %s written to %s (bodies in %s.bodies/)\n", p.description.c_str(),
              path.c_str(), path.c_str());
  return 0;
}

// k6's exit status when a threshold fails: CI tells it from a run that could not be made (1).
constexpr int kThresholdFailed = 99;

// Runs the workload, prints the summary table and writes the summary and histogram files.
// Exit status: 0; 1 when the run failed or nothing was listening; 99 when a threshold failed;
// 130 when interrupted.
int run_and_report(const LoadFlags& f, load::LoadOptions o, const load::PayloadSet& p,
                   const std::vector<Objective>& thresholds) {
  if (f.abort_on_fail) {
    o.abort_when = [&thresholds](const load::LiveCounters& live) {
      return load::failing_so_far(thresholds, live);
    };
  }
  if (!f.quiet) {
    std::fprintf(stderr, "faaslab load: %s -> %s, %s model\n", p.description.c_str(),
                 o.url.to_string().c_str(), f.open() ? "open" : "closed");
  }
  auto result = load::run_load(o, p);
  if (!result) return failure(result.error());
  load::print_summary_table(stdout, result->stats);
  if (result->stats.run_info.contains("responses"))
    std::printf("%s\n", result->stats.run_info["responses"].get<std::string>().c_str());
  int rc = 0;
  if (!f.summary.empty()) {
    if (auto st = load::write_json_file(f.summary, load::summary_json(result->stats)); !st)
      rc = failure(st.error());
  }
  if (!f.histogram.empty()) {
    if (auto st = load::write_json_file(f.histogram, load::stats_to_json(result->stats)); !st)
      rc = failure(st.error());
  }
  const auto checks = load::check_thresholds(thresholds, result->stats);
  load::print_threshold_table(stdout, checks);
  if (!result->nothing_listening.empty()) {
    std::cerr << "faaslab load: " << result->nothing_listening << "; stopped\n";
    return 1;
  }
  if (result->interrupted) {
    std::cerr << "faaslab load: interrupted; the outputs hold what was done\n";
    return 130;
  }
  if (!result->aborted.empty()) {
    std::cerr << "faaslab load: --abort-on-fail: " << result->aborted
              << "; stopped, the outputs hold what was done\n";
    return kThresholdFailed;
  }
  if (rc == 0 && !load::all_passed(checks)) {
    std::size_t failed = 0;
    for (const auto& c : checks) failed += c.passed ? 0 : 1;
    std::cerr << "faaslab load: " << failed << " of " << checks.size() << " thresholds failed\n";
    return kThresholdFailed;
  }
  return rc;
}

int run_load_command(const LoadFlags& f) {
  auto options = load_options_from_flags(f);
  if (!options) return usage_error(options.error());
  auto thresholds = load::parse_thresholds(f.thresholds);
  if (!thresholds) return usage_error(thresholds.error());
  if (f.abort_on_fail && thresholds->empty())
    return usage_error("--abort-on-fail needs at least one --threshold");
  auto source = payload_source_from_flags(f);
  if (!source) return usage_error(source.error());
  if (!f.trace.empty()) {
    auto trace = load::load_trace(f.trace);
    if (!trace) return usage_error("--trace: " + trace.error());
    options->trace = std::move(*trace);
  }
  options->progress = !f.quiet && ProgressLine::stderr_is_terminal();

  auto payloads = load::load_payloads(*source);
  if (!payloads) return failure(payloads.error());
  if (auto st = load::validate(*options, *payloads); !st) return usage_error(st.error());
  if (!f.emit_jmx.empty()) return emit_jmx(f.emit_jmx, *options, *payloads);
  return run_and_report(f, *options, *payloads, *thresholds);
}

}  // namespace

void add_load_command(CLI::App& app, CommandRunner& run) {
  auto a = std::make_shared<LoadFlags>();
  auto* cmd = app.add_subcommand("load",
                                 "Load-test a function URL (closed or open model); "
                                 "see docs/load.md");
  auto* g = "Target";
  cmd->add_option("--url", a->url, "Function URL, http://host[:port]/path[?query]")
      ->required()
      ->group(g);
  cmd->add_option("--method", a->method, "HTTP method")->capture_default_str()->group(g);
  cmd->add_option("--header", a->headers, "Extra request header 'Name: value' (repeatable)")
      ->group(g);
  cmd->add_option("--timeout", a->timeout, "Per-request timeout, connecting included")
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--connections", a->connections,
                  "Cap on connections, shared by users (default: one per user, closed; as "
                  "needed up to 512, open)")
      ->group(g);
  cmd->add_flag("--new-connection", a->new_connection,
                "A new connection for every request (Connection: close)")
      ->group(g);
  cmd->add_option("--max-response-size", a->max_response_size,
                  "Larger response bodies are failures")
      ->capture_default_str()
      ->group(g);

  g = "Payload (exactly one)";
  cmd->add_option("--video", a->video, "Send the frames of this video, in order")->group(g);
  cmd->add_option("--image", a->image, "Send this image")->group(g);
  cmd->add_option("--images", a->images, "Send the images of this folder, in name order")->group(g);
  cmd->add_option("--body", a->body, "Send this file as it is")->group(g);
  cmd->add_option("--format", a->format,
                  "Wire format: png (video default; as cv2.imwrite), jpeg, base64 (of the PNG, "
                  "no Content-Type: the study's), as-is (images default)")
      ->check(CLI::IsMember({"png", "jpeg", "base64", "as-is"}))
      ->group(g);
  cmd->add_option("--frames", a->frames, "Use only the first N frames or files")->group(g);
  cmd->add_option("--content-type", a->content_type,
                  "Content-Type for --body (default application/octet-stream)")
      ->group(g);

  g = "Closed model";
  cmd->add_option("--users,-u", a->users, "Concurrent users (default 1)")->group(g);
  cmd->add_option("--ramp-up", a->ramp_up, "Start the users evenly over this time")->group(g);
  cmd->add_option("--think", a->think, "Mean think time between a user's requests")->group(g);
  cmd->add_option("--think-dist", a->think_dist, "Think-time distribution")
      ->check(CLI::IsMember({"constant", "exponential", "uniform"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--think-at", a->think_at, "Think before each request (the study) or after")
      ->check(CLI::IsMember({"before", "after"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--iterations", a->iterations, "Passes over the payloads per user")->group(g);
  cmd->add_flag("--once", a->once, "One pass per user (the default without --duration)")->group(g);

  g = "Open model";
  cmd->add_option("--rate", a->rate, "Requests per second (start rate with --stages)")->group(g);
  cmd->add_option("--arrival", a->arrival, "Arrival process")
      ->check(CLI::IsMember({"constant", "poisson"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--stages", a->stages, "Ramped rate: DURATION:RATE,... e.g. 30s:100,1m:100")
      ->group(g);
  cmd->add_option("--steps", a->steps, "Stepped rate: DURATION:RATE,... e.g. 30s:50,30s:100")
      ->group(g);
  cmd->add_option("--trace", a->trace, "File of send times (seconds from start, one per line)")
      ->group(g);
  cmd->add_option("--max-outstanding", a->max_outstanding,
                  "Cap on requests in flight; arrivals over it are dropped")
      ->capture_default_str()
      ->group(g);

  g = "Run";
  cmd->add_option("--duration,-d", a->duration, "Stop issuing requests after this")->group(g);
  cmd->add_option("--threads,-t", a->threads,
                  "Worker threads (default: half the cores, at least 1)")
      ->check(CLI::Range(1, 256))
      ->group(g);
  cmd->add_option("--seed", a->seed, "Seed for random think times and arrivals")
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--shard", a->shard, "Run shard i of n: every n-th user, or 1/n of the arrivals")
      ->group(g);
  cmd->add_option("--start-at", a->start_at,
                  "Shared start: epoch seconds or 2025-03-01T12:00:00Z (for shards)")
      ->group(g);
  cmd->add_flag("--quiet,-q", a->quiet, "No progress line")->group(g);

  g = "Thresholds (exit 99 when one fails)";
  cmd->add_option("--threshold", a->thresholds,
                  "Pass/fail bound on the run, e.g. 'p95<500ms' or 'success>=0.99' (repeatable; "
                  "metrics mean p50 p90 p95 p99 p999 max success timeouts throughput requests)")
      ->group(g);
  cmd->add_flag("--abort-on-fail", a->abort_on_fail,
                "Stop as soon as the requests so far fail a threshold (checked each second)")
      ->group(g);

  g = "Outputs";
  cmd->add_option("--records", a->records, "Per-request CSV (every field, µs)")->group(g);
  cmd->add_option("--jtl", a->jtl, "Per-request JTL (JMeter 5 CSV, ms)")->group(g);
  cmd->add_option("--summary", a->summary, "Summary JSON (ARCHITECTURE.md schema)")->group(g);
  cmd->add_option("--histogram", a->histogram, "Histograms for `faaslab merge`")->group(g);
  cmd->add_option("--labels", a->labels, "Per-payload labels, or one label for all")
      ->check(CLI::IsMember({"payload", "single"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--save-responses", a->save_responses, "Save every response body here")->group(g);
  cmd->add_option("--output-video", a->output_video,
                  "Rebuild the blurred video from the first user's responses (.avi/.mp4/.mkv)")
      ->group(g);
  cmd->add_option("--emit-jmx", a->emit_jmx,
                  "Write a JMeter plan for this workload instead of running it")
      ->group(g);
  cmd->callback([a, &run] { run = [a] { return run_load_command(*a); }; });
}

}  // namespace faaslab::cli
