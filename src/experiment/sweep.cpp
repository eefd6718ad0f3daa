// The sweep's steps: open (or resume) the campaign, check its target, then for every planned
// run that is not complete yet: set the target up, run the load while recording every
// request, store the replica events, summarise, finish the run; last, the campaign's status.
// Each run's target is run_target.h, what a run is made of run_inputs.h, how its requests
// reach the database request_writer.h.
#include "experiment/sweep.h"

#include "netem/netns.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/env.h"
#include "experiment/campaign_diff.h"
#include "experiment/machine_info.h"
#include "experiment/request_writer.h"
#include "experiment/results_db.h"
#include "experiment/run_inputs.h"
#include "experiment/run_target.h"
#include "experiment/summaries.h"
#include "runtime/stack.h"

namespace faaslab::experiment {
namespace {

// The part of a configuration key the grid varies ("users=2 mode=http"): what tells runs apart.
std::string varying_part(const Campaign& campaign, const std::string& key) {
  if (campaign.grid.empty()) return key;
  std::string out;
  std::size_t start = 0;
  while (start < key.size()) {
    std::size_t end = key.find(' ', start);
    if (end == std::string::npos) end = key.size();
    const std::string token = key.substr(start, end - start);
    const std::string axis = token.substr(0, token.find('='));
    for (const auto& [a, values] : campaign.grid) {
      if (a == axis) out += (out.empty() ? "" : " ") + token;
    }
    start = end + 1;
  }
  return out.empty() ? key : out;
}

void say(const SweepOptions& o, const std::string& line) {
  if (o.log)
    o.log(line);
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

// Resuming adds runs to a campaign measured with the stored definition: refused (kConflict)
// when the file now defines other runs, naming each difference and the ways out.
Status check_same_definition(ResultsDb& store, std::int64_t campaign_id, const Campaign& campaign,
                             const SweepOptions& options) {
  auto stored = store.campaign_spec(campaign_id);
  if (!stored) return stored.error_value();
  const auto differences = campaign_differences(*stored, campaign_to_json(campaign));
  if (differences.empty()) return Ok{};
  std::string message = "--resume: " + (campaign.file.empty() ? "the campaign" : campaign.file) +
                        " no longer defines the runs of campaign " + std::to_string(campaign_id) +
                        " ('" + campaign.name + "') in " + options.db_path + ":";
  for (const auto& d : differences) message += "\n  " + d;
  message +=
      "\nResuming would mix two grids in one campaign. Run without --resume to start a new "
      "campaign in the same database (reports and the model take the newest), or give --db a "
      "new file; to resume this one, restore its definition.";
  return make_error(message, Errc::kConflict);
}

// The campaign row: a new one, or the latest of the same name when resuming (its runs that
// are not complete removed, to be run again) if the file still defines the same runs.
Result<std::int64_t> open_campaign(ResultsDb& store, const Campaign& campaign,
                                   const SweepOptions& options) {
  if (options.resume) {
    auto latest = store.latest_campaign(campaign.name);
    if (!latest) return latest.error_value();
    if (*latest) {
      if (auto st = check_same_definition(store, **latest, campaign, options); !st)
        return st.error_value();
      if (auto st = store.delete_incomplete_runs(**latest); !st) return st.error_value();
      if (auto st = store.set_campaign_status(**latest, CampaignStatus::kRunning); !st)
        return st.error_value();
      return **latest;
    }
    say(options, "resume: no earlier campaign named '" + campaign.name + "'; starting a new one");
  }
  return store.create_campaign(campaign.name, campaign.file, campaign_to_json(campaign),
                               machine_info(), version_info());
}

// The target, checked before any run: the embedded target's stack file is read (and returned);
// the external target's URL must answer, or the campaign is marked failed.
Result<std::optional<runtime::StackFile>> check_target(ResultsDb& store, std::int64_t campaign_id,
                                                       const Campaign& campaign) {
  if (!campaign.target.external()) {
    auto s = runtime::load_stack(campaign.target.stack_file, current_environment());
    if (!s) return make_error("target.stack: " + s.error());
    if (!s->topology.empty() || !campaign.topologies.empty()) {
      // Checked before any run: without namespaces every run would fail the same way.
      if (auto ok = netem::check_namespace_support(); !ok)
        return make_error("this campaign runs on edge–cloud topologies, and " + ok.error());
    }
    remove_stale_state_dirs();
    return std::optional<runtime::StackFile>(std::move(*s));
  }
  auto url = parse_url(campaign.target.url);
  if (!url) return make_error("target.url: " + url.error());
  if (auto st = probe_external(campaign.target, *url); !st) {
    (void)store.set_campaign_status(campaign_id, CampaignStatus::kFailed);
    return st.error_value();
  }
  return std::optional<runtime::StackFile>();
}

// How a run went.
struct RunOutcome {
  std::int64_t run_id = 0;
  RunStatus status = RunStatus::kComplete;
  std::string error;         // why it failed
  bool interrupted = false;  // Ctrl-C: the campaign stops
  bool target_lost = false;  // the target stopped answering: the campaign stops
  bool first_cold = false;   // the run's first request (by intended start) met a cold start
};

// Runs the load, every request written to the database as it ends. Errors: the database
// could not be written (the run's own failure is in the outcome).
Result<RunOutcome> measure(ResultsDb& store, std::int64_t run_id, load::LoadOptions lo,
                           const load::PayloadSet& payloads) {
  const std::int64_t anchor = wall_us() + 200'000;
  lo.start_at_wall_us = anchor;
  RequestWriter writer(store, run_id);
  std::atomic<bool> first_cold{false};
  std::atomic<std::int64_t> first_intended{INT64_MAX};
  std::mutex first_mu;
  lo.on_response = [&](const load::Record& r, const std::string&) {
    const auto& label = r.payload < payloads.items.size() ? payloads.items[r.payload].label
                                                          : std::string("request");
    {
      std::lock_guard lock(first_mu);
      if (r.intended_us < first_intended) {
        first_intended = r.intended_us;
        first_cold = r.cold_start();
      }
    }
    writer.push(to_request_row(r, label, anchor));
  };
  // A run whose requests can no longer be written (a full disk, a lock) is lost: stop it now
  // rather than at its end, which may be an hour away.
  lo.stop_when = [&writer] { return writer.failed(); };
  auto loaded = load::run_load(lo, payloads);
  auto written = writer.finish();
  RunOutcome m;
  m.run_id = run_id;
  if (!loaded) {
    m.status = RunStatus::kFailed;
    m.error = loaded.error();
  } else if (loaded->interrupted) {
    m.status = RunStatus::kFailed;
    m.error = "interrupted";
    m.interrupted = true;
  }
  if (!written) return written.error_value();
  m.first_cold = first_cold;
  return m;
}

// What the run leaves besides its requests, then its status: the target's replica events (the
// runtime stopped), the warm-up marks, and a complete run's summaries.
Status record_run(ResultsDb& store, std::int64_t run_id, const Campaign& campaign,
                  RunTarget& target, const RunOutcome& m) {
  if (auto st = store.add_events(run_id, target.stop()); !st) return st;
  if (campaign.warmup_requests > 0) {
    if (auto st = store.mark_warmup(run_id, campaign.warmup_requests); !st) return st;
  }
  if (m.status == RunStatus::kComplete) {
    auto rows = store.requests(run_id);
    if (!rows) return rows.error_value();
    for (const auto& s : summarise_run(*rows)) {
      if (auto st = store.put_run_summary(run_id, s); !st) return st;
    }
  }
  return store.finish_run(run_id, m.status, m.error, m.first_cold);
}

// "  12 requests, success 100.0%, 3.40 req/s, mean 0.290 s, p95 0.412 s": the run's overall
// summary, for the log, and ", 1 replica crash" when replicas crashed during the run (their
// requests in flight failed: the success rate says how many).
std::optional<std::string> summary_line(ResultsDb& store, std::int64_t run_id) {
  const auto summary = store.run_summaries(run_id);
  if (!summary || summary->empty()) return std::nullopt;
  const auto& s = summary->front();
  char line[200];
  std::snprintf(line, sizeof line,
                "  %llu requests, success %.1f%%, %.2f req/s, mean %.3f s, p95 %.3f s",
                static_cast<unsigned long long>(s.count), s.success_rate * 100, s.throughput_rps,
                s.mean_s, s.p95_s);
  std::string text = line;
  if (const auto events = store.events(run_id)) {
    const auto crashes = std::count_if(events->begin(), events->end(),
                                       [](const EventRow& e) { return e.kind == "crash"; });
    if (crashes > 0)
      text += ", " + std::to_string(crashes) + " replica crash" + (crashes > 1 ? "es" : "");
  }
  return text;
}

// One campaign's planned runs, run in order into the database.
class Sweep {
 public:
  Sweep(const Campaign& campaign, const SweepOptions& options, ResultsDb& store,
        std::int64_t campaign_id, const runtime::StackFile* stack)
      : campaign_(campaign),
        options_(options),
        store_(store),
        campaign_id_(campaign_id),
        stack_(stack),
        payloads_(campaign) {}

  // Errors stop the sweep and mark the campaign failed; the run in progress is left
  // incomplete.
  Result<SweepResult> run(const std::vector<PlannedRun>& plan,
                          const std::set<std::pair<std::string, int>>& done) {
    SweepResult result;
    result.campaign_id = campaign_id_;
    result.planned = static_cast<int>(plan.size());
    for (const auto& p : plan) {
      const std::string key = p.config.key();
      if (done.count({key, p.repetition})) {
        ++result.skipped;
        continue;
      }
      auto m = run_one(p, plan.size());
      if (!m) return failed(m.error_value());
      if (m->status != RunStatus::kComplete) {
        ++result.failed;
        if (m->interrupted) {
          result.interrupted = true;
          (void)store_.set_campaign_status(campaign_id_, CampaignStatus::kInterrupted);
          return result;
        }
        if (m->target_lost) return failed(make_error(m->error, Errc::kUnavailable));
        say(options_, "  failed: " + m->error);
      } else {
        ++result.completed;
        if (auto st = update_config_summaries(store_, campaign_id_, key); !st)
          return failed(st.error_value());
        if (auto line = summary_line(store_, m->run_id)) say(options_, *line);
      }
      if (campaign_.cooldown.count() > 0) std::this_thread::sleep_for(campaign_.cooldown);
    }
    const auto status = result.failed ? CampaignStatus::kFailed : CampaignStatus::kComplete;
    if (auto st = store_.set_campaign_status(campaign_id_, status); !st) return st.error_value();
    return result;
  }

 private:
  // Payloads, target, load, record: the run, finished in the database (complete or failed).
  Result<RunOutcome> run_one(const PlannedRun& p, std::size_t planned) {
    auto payloads = payloads_.get(p.config);
    if (!payloads) return payloads.error_value();
    say_started(p, planned);
    auto target = RunTarget::start(campaign_, stack_, p.config, options_.bin_dir);
    if (!target) return target.error_value();
    auto run_id = store_.begin_run(campaign_id_, run_columns_for(campaign_, p, **payloads));
    if (!run_id) return run_id.error_value();
    auto lo = load_options_for(campaign_, p, target->url());
    lo.progress = options_.progress;
    auto m = measure(store_, *run_id, std::move(lo), **payloads);
    if (!m) return m.error_value();
    // A target that went away during the run (an external gateway killed) failed the requests
    // it did not answer: that is not a measurement of it.
    if (m->status == RunStatus::kComplete) {
      if (auto alive = target->check_reachable(); !alive) {
        m->status = RunStatus::kFailed;
        m->error = "run " + std::to_string(p.ordinal + 1) +
                   ": the target stopped answering during the run: " + alive.error();
        m->target_lost = true;
      }
    }
    if (auto st = record_run(store_, *run_id, campaign_, *target, *m); !st) return st.error_value();
    return m;
  }

  void say_started(const PlannedRun& p, std::size_t planned) {
    say(options_,
        "run " + std::to_string(p.ordinal + 1) + "/" + std::to_string(planned) + ": " +
            varying_part(campaign_, p.config.key()) +
            (campaign_.repetitions > 1 ? " (repetition " + std::to_string(p.repetition + 1) + ")"
                                       : ""));
  }

  // The campaign stops: marked failed (if the database can still be written), and the error
  // says how to finish it.
  Error failed(Error e) {
    (void)store_.set_campaign_status(campaign_id_, CampaignStatus::kFailed);
    e.message +=
        "\ncampaign " + std::to_string(campaign_id_) + " ('" + campaign_.name +
        "') stopped; its complete runs are kept. Once the cause is fixed, `faaslab sweep -f " +
        (campaign_.file.empty() ? std::string("FILE") : campaign_.file) + " --db " +
        options_.db_path + " --resume` runs the rest.";
    return e;
  }

  const Campaign& campaign_;
  const SweepOptions& options_;
  ResultsDb& store_;
  const std::int64_t campaign_id_;
  const runtime::StackFile* stack_;  // the embedded target's; nullptr for an external one
  PayloadCache payloads_;
};

}  // namespace

Result<SweepResult> run_sweep(const Campaign& campaign, const SweepOptions& options) {
  auto db = ResultsDb::open(options.db_path);
  if (!db) return db.error_value();
  auto& store = **db;
  auto campaign_id = open_campaign(store, campaign, options);
  if (!campaign_id) return campaign_id.error_value();
  auto done = store.complete_runs(*campaign_id);
  if (!done) return done.error_value();
  const auto plan = expand(campaign);
  auto stack = check_target(store, *campaign_id, campaign);
  if (!stack) return stack.error_value();
  Sweep sweep(campaign, options, store, *campaign_id, *stack ? &**stack : nullptr);
  return sweep.run(plan, *done);
}

}  // namespace faaslab::experiment
