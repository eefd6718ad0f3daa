// stack.yml `limits` for a local replica, enforced on the watchdog process itself before it
// starts the function (children inherit affinity, cgroup membership and rlimits):
//   cpu    -> pinned to that many cores (sched_setaffinity, rounded up), plus a CFS quota of
//             exactly that many cores in a cgroup v1 `cpu` group when /sys/fs/cgroup/cpu is
//             writable;
//   memory -> memory.limit_in_bytes in a cgroup v1 `memory` group when writable, else
//             RLIMIT_DATA (heap and private mappings; not page cache, not shared memory).
// What was and was not enforced is reported, never silently skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab::runtime {

// Kubernetes quantities: cpu "500m" = 0.5, "2" = 2; memory "128Mi", "1Gi", "500M", "1048576".
Result<double> parse_cpu_quantity(const std::string& text);
Result<std::uint64_t> parse_memory_quantity(const std::string& text);
// "0,2" or "0-3" or "0-1,4".
Result<std::vector<int>> parse_cpu_list(const std::string& text);
std::string format_cpu_list(const std::vector<int>& cpus);

struct LimitsReport {
  std::vector<std::string> enforced;      // "affinity 0,1", "cpu quota 1.5 cores (cgroup v1)", ...
  std::vector<std::string> not_enforced;  // with the reason
  std::vector<std::string> cgroup_dirs;   // created; remove with release_limits()
};

// Applies the limits to the calling process. cpus == 0 and memory == 0: nothing to do.
// `join_first`: cgroup directories (an emulated node's budget, node_budget.h) the process joins
// before it makes groups of its own, which then nest under them.
LimitsReport apply_limits(double cpus, const std::vector<int>& cpu_list, std::uint64_t memory_bytes,
                          const std::vector<std::string>& join_first = {});

// A cgroup v1 group below this process's own in `controller`'s hierarchy, with `settings`
// written (file, value). Errors: no such hierarchy, not writable.
Result<std::string> create_cgroup(const std::string& controller, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& settings);
// Removes a group made by create_cgroup (it must have no processes left); false if it could not.
bool remove_cgroup(const std::string& dir);
// The groups directly below this process's own in `controller` whose names start with `prefix`.
std::vector<std::string> child_cgroups(const std::string& controller, const std::string& prefix);

// Leaves and removes the cgroups apply_limits() created (call at exit, after children ended).
void release_limits(const LimitsReport& report);

}  // namespace faaslab::runtime
