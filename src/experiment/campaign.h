// A campaign: the target, the workload every run shares, a grid of configurations, and how
// they are repeated and ordered. Parsed from YAML (docs/experiments.md) with every field
// checked: unknown keys, impossible values and contradictions are errors naming the field.
// expand() turns it into the ordered list of runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/units.h"
#include "runtime/topology.h"

namespace faaslab::experiment {

// Where requests go.
struct Target {
  // Embedded: the runtime started by faaslab from a stack file, one function per watchdog mode.
  std::string stack_file;                        // resolved relative to the campaign file
  std::map<std::string, std::string> functions;  // mode ("classic"/"http"/"fork") -> function
  // External: an existing gateway (real OpenFaaS); grid axes that need reconfiguring the
  // runtime other than `replicas` are refused.
  std::string url;                       // e.g. http://127.0.0.1:8080/function/slblur
  std::string gateway;                   // for scaling: http://host:port
  std::string user = "admin", password;  // basic auth for /system/scale-function
  bool external() const { return !url.empty(); }
};

// One point of the grid, fully resolved: everything that can vary between runs.
struct RunConfig {
  // Closed model (users > 0) or open model (rate > 0).
  std::uint64_t users = 1;
  Micros think{0};
  std::string think_dist = "constant";
  Micros ramp_up{0};
  double rate = 0;
  std::string arrival = "poisson";
  // Runtime.
  int replicas = 1;
  std::string mode = "classic";
  std::string routing = "random";
  int max_inflight = 0;
  int workers = 0;  // function workers in http mode; 0 = the function's default
  // Payload.
  std::string codec = "base64";           // png | jpeg | base64 (of PNG: the study's)
  int frame_width = 0, frame_height = 0;  // 0 = the video's own size
  // Edge–cloud (docs/edge-cloud.md): the run's topology (a name in the campaign's topologies,
  // "stack" for the stack file's own; "" = the stack's, if it has one), the placement policy
  // ("" = the function's labels), edge-first's threshold (0 = its default), and overrides of
  // the links to cloud nodes (negative = as the topology says).
  std::string topology;
  std::string placement;
  int offload_threshold = 0;
  Micros cloud_delay{-1};
  double cloud_bandwidth_bps = -1;

  std::string key() const;  // canonical text, the same for every repetition
  nlohmann::json to_json() const;
};

struct Campaign {
  std::string name;
  std::string file;  // where it was read from ("" if built in code)
  Target target;
  // Payload and the workload fields that do not vary.
  std::string video;         // resolved path
  std::uint32_t frames = 0;  // 0 = every frame
  std::uint32_t frame_step = 1;
  std::uint64_t iterations = 1;  // passes over the video per user (closed)
  Micros duration{0};            // open model, or closed with iterations 0
  Micros timeout = std::chrono::seconds(25);
  RunConfig base;  // defaults for every grid axis
  // Named topologies for the `topology` axis (a file with a topology: section, or one inline).
  std::map<std::string, runtime::Topology> topologies;
  // The grid: axis name -> values (as given, checked), in the file's order.
  std::vector<std::pair<std::string, std::vector<nlohmann::json>>> grid;
  int repetitions = 1;
  std::uint64_t warmup_requests = 0;  // leading requests of each run excluded from summaries
  Micros cooldown{0};
  std::string order = "listed";  // listed | shuffled
  std::uint64_t seed = 1;
};

struct PlannedRun {
  RunConfig config;
  int repetition = 0;
  int ordinal = 0;  // position in the run order
  std::uint64_t seed = 0;
};

// Parses YAML text; relative paths are resolved against base_dir.
Result<Campaign> parse_campaign(const std::string& yaml, const std::string& base_dir);
Result<Campaign> load_campaign(const std::string& path);

// Every combination of the grid's values, each `repetitions` times, in the campaign's order
// (as listed: the grid's axes vary last-fastest; shuffled: a seeded permutation).
std::vector<PlannedRun> expand(const Campaign& campaign);

// The campaign as JSON (stored with the results).
nlohmann::json campaign_to_json(const Campaign& campaign);

// The run's topology, `run`'s overrides applied: the campaign's named one, else the stack's
// (`stack_topology`, possibly empty). Empty when the run has none. Errors: "stack" named and
// the stack has none; a placement setting without a topology.
Result<runtime::Topology> run_topology(const Campaign& campaign, const RunConfig& run,
                                       const runtime::Topology& stack_topology);

// The grid axes a campaign may vary.
const std::vector<std::string>& grid_axes();

// A grid value as canonical text, so that two spellings of one value compare equal ("1s" and
// "1000ms" are both "1s"; 2 and "2" are "2"). A value the axis refuses is its JSON text.
std::string grid_value_text(const std::string& axis, const nlohmann::json& value);

}  // namespace faaslab::experiment
