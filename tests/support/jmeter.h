// Running a JMeter plan in tests: Debian's JMeter 2.13, non-GUI, through scripts/jmeter (which
// puts the launcher built in jmeter-launcher/ on its class path), results as CSV with a header.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "common/subprocess.h"

namespace faaslab::testing {

struct JMeterRun {
  int code = -1;
  std::string out, err;
};

inline JMeterRun run_jmeter_plan(const std::filesystem::path& plan,
                                 const std::filesystem::path& results,
                                 const std::filesystem::path& log) {
  Subprocess jmeter(
      {std::string(FAASLAB_SOURCE_DIR) + "/scripts/jmeter", "-n", "-t", plan.string(), "-l",
       results.string(), "-j", log.string(), "-Jjmeter.save.saveservice.output_format=csv",
       "-Jjmeter.save.saveservice.print_field_names=true"},
      {"FAASLAB_JMETER_CLASSES=" + std::string(FAASLAB_BINARY_DIR) + "/jmeter-launcher"});
  JMeterRun run;
  run.code = jmeter.wait(std::chrono::seconds(180));
  run.out = jmeter.out();
  run.err = jmeter.err();
  return run;
}

}  // namespace faaslab::testing
