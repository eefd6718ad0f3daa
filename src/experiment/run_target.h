// Where a campaign's runs send their requests (internal to src/experiment/), set for each run
// to the run's configuration.
//
// Embedded target: every run starts its own runtime (faaslab up, in process) with the stack's
// function for the run's mode, its replicas, routing, max_inflight and workers, and waits until
// every replica is ready; afterwards its replica events are the run's. With a topology (the
// run's, else the stack's), the runtime runs on it as `faaslab up` does: the network made for
// the run, the gateway's threads in its node's namespace, the run's requests sent from this
// process (the host, the client side) through the client's link. External target: an
// existing gateway (real OpenFaaS), scaled through its API to the run's replicas when the
// campaign names the gateway. Used from the sweep's thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "common/url.h"
#include "experiment/campaign.h"
#include "experiment/results_db.h"
#include "runtime/gateway.h"
#include "runtime/nodes.h"
#include "runtime/stack.h"

namespace faaslab::experiment {

// External target: the gateway at `url` (the campaign's target.url, parsed) must answer before
// anything is recorded.
Status probe_external(const Target& target, const Url& url);

// Embedded target: removes what sweeps that were killed left in the temporary directory (the
// state directories of process ids no longer running). Their replicas stopped by themselves
// (docs/runtime.md, faaslab_parent_pid).
void remove_stale_state_dirs();

class RunTarget {
 public:
  // Sets the target up for one run and waits until the run's replicas are ready. `stack` is
  // the embedded target's stack file (nullptr for an external one); bin_dir holds
  // faaslab-watchdog and faaslab-fn.
  static Result<RunTarget> start(const Campaign& campaign, const runtime::StackFile* stack,
                                 const RunConfig& run, const std::string& bin_dir);

  // Where the run's requests go.
  const Url& url() const { return url_; }

  // After the run: does the target still answer? External: the gateway at target.url must
  // (one that was killed during the run failed the requests it did not answer); embedded: the
  // runtime runs in this process, so it does.
  Status check_reachable() const;

  // Embedded: every event of the run's runtime, its start-up included (deploy, start, ready),
  // then stops the runtime. External: none.
  std::vector<EventRow> stop();

 private:
  Url url_;
  const Target* external_ = nullptr;       // external only: the campaign's target
  std::shared_ptr<runtime::Nodes> nodes_;  // embedded with a topology: outlives the gateway
  std::map<std::string, double> node_cpu_at_start_;  // CPU seconds of each node once ready
  PrivateTempDir state_dir_;  // embedded only: the replicas' TMPDIRs; removed after the gateway
  std::unique_ptr<runtime::Gateway> gateway_;  // embedded only; stopped when destroyed
};

}  // namespace faaslab::experiment
