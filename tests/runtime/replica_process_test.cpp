// What a replica's watchdog is started with (the pure part of replica_process.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/replica_process.h"

namespace faaslab::runtime {
namespace {

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

bool has_key(const std::vector<std::string>& env, const std::string& key) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& e) { return e.rfind(key + "=", 0) == 0; });
}

ReplicaPlan plan(int id) {
  ReplicaPlan p;
  p.id = id;
  p.name = "blur-" + std::to_string(id);
  p.tmpdir = "/state/blur-" + std::to_string(id);
  p.watchdog_path = "/opt/faaslab/bin/faaslab-watchdog";
  p.bin_dir = "/opt/faaslab/bin";
  p.spec.name = "blur";
  p.spec.fprocess = "faaslab-fn --stdin";
  p.spec.environment = {{"response_format", "seed"}, {"healthcheck_interval", "5s"}};
  return p;
}

TEST(ReplicaEnvironment, TheFunctionsVariablesAndOnlyTheParentsBasics) {
  const EnvList parent{"PATH=/usr/bin:/bin", "HOME=/home/u", "SECRET_TOKEN=x",
                       "FAASLAB_MODELS_DIR=/models"};
  const auto env = replica_environment(plan(1), 4100, 0, parent, 4);
  EXPECT_TRUE(has(replica_environment(ReplicaPlan{}, 1, 0, {}, 1), "healthcheck_interval=0"))
      << "no orchestrator grace by default: the gateway stops routing first";
  EXPECT_TRUE(has(env, "PATH=/opt/faaslab/bin:/usr/bin:/bin"));
  EXPECT_TRUE(has(env, "HOME=/home/u"));
  EXPECT_TRUE(has(env, "FAASLAB_MODELS_DIR=/models"));
  EXPECT_FALSE(has_key(env, "SECRET_TOKEN")) << "the gateway's environment does not leak";
  EXPECT_TRUE(has(env, "fprocess=faaslab-fn --stdin"));
  EXPECT_TRUE(has(env, "LISTEN_FDS=1"));
  EXPECT_TRUE(has(env, "port=4100"));
  EXPECT_TRUE(has(env, "TMPDIR=/state/blur-1"));
  EXPECT_TRUE(has(env, "response_format=seed"));
  EXPECT_TRUE(has(env, "healthcheck_interval=5s")) << "the function's own setting wins";
  EXPECT_FALSE(has_key(env, "upstream_url")) << "classic mode has no upstream";
  EXPECT_FALSE(has_key(env, "faaslab_cpus"));
}

// docs/security.md: `faaslab up` may take its credentials from basic_auth_user and
// basic_auth_password; replicas (and so functions) never see them.
TEST(ReplicaEnvironment, TheGatewaysCredentialsDoNotReachReplicas) {
  const EnvList parent{"PATH=/usr/bin:/bin", "HOME=/home/u", "basic_auth_user=admin",
                       "basic_auth_password=s3cret", "OPENFAAS_URL=http://127.0.0.1:8080"};
  const auto env = replica_environment(plan(1), 4100, 0, parent, 4);
  EXPECT_FALSE(has_key(env, "basic_auth_user"));
  EXPECT_FALSE(has_key(env, "basic_auth_password"));
  EXPECT_FALSE(has_key(env, "OPENFAAS_URL"));
  for (const auto& e : env) EXPECT_EQ(e.find("s3cret"), std::string::npos) << e;
}

TEST(ReplicaEnvironment, HttpModeGetsItsUpstreamAndLimitsSpreadReplicasOverCores) {
  auto p = plan(3);
  p.spec.environment["mode"] = "http";
  p.spec.limits.cpu = "1500m";
  p.spec.limits.memory = "256Mi";
  const auto env = replica_environment(p, 4100, 4200, {}, 4);
  EXPECT_TRUE(has(env, "upstream_url=http://127.0.0.1:4200"));
  EXPECT_TRUE(has(env, "faaslab_cpus=1500m"));
  // 1.5 cores round up to 2 per replica; replica 3 starts at core 3 * 2 = 6 -> 6 % 4 = 2.
  EXPECT_TRUE(has(env, "faaslab_cpu_list=2,3")) << ::testing::PrintToString(env);
  EXPECT_TRUE(has(env, "faaslab_memory=256Mi"));
}

}  // namespace
}  // namespace faaslab::runtime
