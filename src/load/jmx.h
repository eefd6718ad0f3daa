// A JMeter test plan (.jmx) for the same closed workload, run by JMeter's own HTTP sampler: a
// ThreadGroup with the users and ramp-up, one HTTP Request per payload in order (the body sent
// as a file, JMeter's raw-body upload), the think time as a timer before each request (or a
// pause after it), and the loop count or duration. Readable by JMeter 2.13 (Debian 12) and
// later. The bodies are written next to the plan, in <plan>.bodies/.
#pragma once

#include <string>

#include "common/result.h"
#include "load/load.h"
#include "load/payload.h"

namespace faaslab::load {

// Writes the plan and its bodies. Errors: the open model (JMeter 2.13 has no open-model thread
// group), exponential think times (no JMeter timer draws them), files that cannot be written.
Status write_jmx(const std::string& path, const LoadOptions& options, const PayloadSet& payloads);

// The plan's XML alone, with each payload's body at body_paths[i] (for tests).
Result<std::string> jmx_text(const LoadOptions& options, const PayloadSet& payloads,
                             const std::vector<std::string>& body_paths);

}  // namespace faaslab::load
