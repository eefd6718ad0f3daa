// A real external client against the gateway: Debian's JMeter (2.13, non-GUI, through
// scripts/jmeter) runs a plan that POSTs frames to the face-blur function behind faaslab up,
// and every sample in its result file is a success.
#include <gtest/gtest.h>

#include <fstream>

#include "runtime_test_support.h"
#include "support/jmeter.h"

namespace faaslab::runtime {
namespace {

using namespace testing_support;

TEST(GatewayWithJMeter, AJMeterPlanAgainstTheGatewaySucceedsEverywhere) {
  if (!fs::exists("/usr/share/jmeter/bin/ApacheJMeter.jar"))
    GTEST_SKIP() << "JMeter is not installed: run scripts/setup";
  GatewayProcess g(
      "version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  blur:\n    image: faaslab/fn\n"
      "    fprocess: " +
      fn() +
      "\n    environment:\n      mode: http\n      upstream_url: http://127.0.0.1:8082\n"
      "      ready_path: /_/health\n    labels:\n      com.openfaas.scale.min: \"2\"\n");
  ASSERT_NE(g.port(), 0) << g.process().err();
  const auto plan = g.dir() / "plan.jmx", results = g.dir() / "jmeter.jtl",
             log = g.dir() / "jmeter.log";
  Subprocess emit({faaslab::testing::binary("bin/faaslab"), "load", "--url",
                   "http://127.0.0.1:" + std::to_string(g.port()) + "/function/blur", "--video",
                   faaslab::testing::video_path().string(), "--format", "jpeg", "--frames", "4",
                   "--users", "3", "--ramp-up", "1s", "--think", "50ms", "--emit-jmx",
                   plan.string()});
  ASSERT_EQ(emit.wait(120s), 0) << emit.err();
  const auto jmeter = faaslab::testing::run_jmeter_plan(plan, results, log);
  ASSERT_EQ(jmeter.code, 0) << jmeter.out << jmeter.err;
  std::ifstream in(results);
  std::string header, line;
  std::getline(in, header);
  ASSERT_EQ(header.rfind("timeStamp,elapsed,label,responseCode", 0), 0u) << header;
  int rows = 0, ok = 0;
  while (std::getline(in, line)) {
    ++rows;
    if (line.find(",200,") != std::string::npos && line.find(",true,") != std::string::npos) ++ok;
  }
  EXPECT_EQ(rows, 12);  // 3 users x 4 frames
  EXPECT_EQ(ok, rows) << "every JMeter sample succeeds";
  // The gateway counted them too.
  const auto metrics = call(g.port(), "GET", "/metrics")->body;
  EXPECT_NE(
      metrics.find("gateway_function_invocation_total{code=\"200\",function_name=\"blur\"} 12"),
      std::string::npos);
}

}  // namespace
}  // namespace faaslab::runtime
