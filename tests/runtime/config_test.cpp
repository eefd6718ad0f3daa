// The runtime's pure parts: command lines, watchdog environment, stack files, OpenFaaS JSON,
// scaling labels and the autoscaler's arithmetic, credentials, resource quantities.
#include <gtest/gtest.h>
#include <pwd.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "runtime/basic_auth.h"
#include "runtime/command_line.h"
#include "runtime/function_api.h"
#include "runtime/resource_limits.h"
#include "runtime/scaling.h"
#include "runtime/stack.h"
#include "runtime/watchdog_config.h"

namespace faaslab::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

TEST(CommandLine, SplitsWithoutAShell) {
  EXPECT_EQ(*split_command_line("faaslab-fn --stdin"),
            (std::vector<std::string>{"faaslab-fn", "--stdin"}));
  EXPECT_EQ(*split_command_line("  python3   index.py "),
            (std::vector<std::string>{"python3", "index.py"}));
  EXPECT_EQ(*split_command_line("sh -c 'echo a b | wc'"),
            (std::vector<std::string>{"sh", "-c", "echo a b | wc"}));
  EXPECT_EQ(*split_command_line(R"(printf "%s \"q\"" x\ y)"),
            (std::vector<std::string>{"printf", "%s \"q\"", "x y"}));
  EXPECT_EQ(*split_command_line("cat | wc"),
            (std::vector<std::string>{"cat", "|", "wc"}));  // no pipes
  EXPECT_FALSE(split_command_line("echo 'unclosed").ok());
  EXPECT_FALSE(split_command_line("   ").ok());
}

TEST(WatchdogConfig, DefaultsAndOpenFaaSVariables) {
  auto c = parse_watchdog_config({"fprocess=cat"});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->mode, WatchdogMode::kClassic);
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->exec_timeout, seconds(10));
  EXPECT_EQ(c->healthcheck_interval, c->write_timeout);
  EXPECT_TRUE(c->combine_output);
  EXPECT_EQ(c->parent_pid, 0) << "no parent watched unless a gateway asks";
  auto h = parse_watchdog_config(
      {"function_process=faaslab-fn", "mode=http", "upstream_url=http://127.0.0.1:8082",
       "exec_timeout=1m30s", "read_timeout=5", "write_timeout=25s", "max_inflight=4",
       "combine_output=false", "suppress_lock=true", "content_type=image/png",
       "healthcheck_interval=0", "port=9000", "ready_path=/_/health", "faaslab_parent_pid=4321"});
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_EQ(h->mode, WatchdogMode::kHttp);
  EXPECT_EQ(h->upstream.port, 8082);
  EXPECT_EQ(h->exec_timeout, seconds(90));
  EXPECT_EQ(h->read_timeout, seconds(5));
  EXPECT_EQ(h->healthcheck_interval, seconds(0));
  EXPECT_EQ(h->max_inflight, 4);
  EXPECT_FALSE(h->combine_output);
  EXPECT_TRUE(h->suppress_lock);
  EXPECT_EQ(h->content_type, "image/png");
  EXPECT_EQ(h->ready_path, "/_/health");
  EXPECT_EQ(h->parent_pid, 4321);
  EXPECT_EQ(parse_watchdog_config({"fprocess=cat", "mode=serializing"})->mode,
            WatchdogMode::kClassic);
  EXPECT_EQ(parse_watchdog_config({"fprocess=cat", "mode=fork"})->mode, WatchdogMode::kFork);
  EXPECT_EQ(watchdog_mode_name(WatchdogMode::kFork), "fork");
}

TEST(WatchdogConfig, ErrorsNameTheVariable) {
  const std::pair<std::vector<std::string>, const char*> bad[] = {
      {{}, "fprocess"},
      {{"fprocess=cat", "mode=streaming"}, "mode"},
      {{"fprocess=cat", "mode=http"}, "upstream_url"},
      {{"fprocess=cat", "mode=http", "upstream_url=https://x"}, "upstream_url"},
      {{"fprocess=cat", "exec_timeout=soon"}, "exec_timeout"},
      {{"fprocess=cat", "max_inflight=-1"}, "max_inflight"},
      {{"fprocess=cat", "port=99999"}, "port"},
      {{"fprocess=cat", "combine_output=maybe"}, "combine_output"},
      {{"fprocess='unclosed"}, "fprocess"},
      {{"fprocess=cat", "faaslab_cpus=lots"}, "faaslab_cpus"},
      {{"fprocess=cat", "faaslab_parent_pid=gateway"}, "faaslab_parent_pid"},
  };
  for (const auto& [env, name] : bad) {
    auto c = parse_watchdog_config(env);
    ASSERT_FALSE(c.ok()) << name;
    EXPECT_EQ(c.error().rfind(name, 0), 0u) << c.error();
  }
}

TEST(Stack, SubstitutesTheEnvironmentLikeEnvsubst) {
  const Env env({"A=1", "EMPTY="});
  EXPECT_EQ(*substitute_env("x${A}y$A-${B:-dflt}-${EMPTY:-e}-$$-$", env), "x1y1-dflt-e-$-$");
  EXPECT_FALSE(substitute_env("${A", env).ok());
}

TEST(Stack, ParsesAnOpenFaaSStackFile) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-stack-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "env.yml") << "environment:\n  from_file: yes\n  response_format: json\n";
  const std::string text = R"(version: 1.0
provider:
  name: openfaas
  gateway: ${GW:-http://127.0.0.1:8080}
functions:
  slblur:
    lang: python3
    handler: ./slblur
    image: ${REGISTRY:-localhost:5000}/slblur:latest
    fprocess: faaslab-fn --stdin
    environment_file: [env.yml]
    environment:
      response_format: seed
      exec_timeout: 25s
    labels:
      com.openfaas.scale.min: "1"
    annotations:
      topic: faces
    limits:
      memory: 256Mi
      cpu: "1"
    requests:
      cpu: 500m
    constraints: ["node=edge"]
    build_args: {A: b}
    wobble: 3
)";
  auto s = parse_stack(text, dir, {"REGISTRY=reg:5000"});
  fs::remove_all(dir);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->provider_gateway, "http://127.0.0.1:8080");
  ASSERT_EQ(s->functions.size(), 1u);
  const auto& f = s->functions[0];
  EXPECT_EQ(f.image, "reg:5000/slblur:latest");
  EXPECT_EQ(f.fprocess, "faaslab-fn --stdin");
  EXPECT_EQ(f.environment.at("from_file"), "yes");
  EXPECT_EQ(f.environment.at("response_format"), "seed");  // environment overrides environment_file
  EXPECT_EQ(f.limits.memory, "256Mi");
  EXPECT_EQ(f.requests.cpu, "500m");
  EXPECT_EQ(f.annotations.at("topic"), "faces");
  EXPECT_EQ(f.constraints, std::vector<std::string>{"node=edge"});
  ASSERT_EQ(s->warnings.size(), 1u);  // wobble
  EXPECT_NE(s->warnings[0].find("wobble"), std::string::npos);
}

TEST(Stack, FprocessFromTheEnvironmentAndClearErrors) {
  auto s = parse_stack("functions:\n  f:\n    environment:\n      fprocess: cat\n", ".", {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->functions[0].fprocess, "cat");
  const std::pair<const char*, const char*> bad[] = {
      {"functions: [", "invalid YAML"},
      {"version: 1", "no functions"},
      {"functions:\n  Bad_Name:\n    image: x\n", "Bad_Name"},
      {"functions:\n  f:\n    environment: [a, b]\n", "functions.f.environment"},
      {"functions:\n  f:\n    limits:\n      gpu: 1\n", "functions.f.limits.gpu"},
      {"functions:\n  f:\n    environment_file: [missing.yml]\n", "missing.yml"},
      {"functions:\n  f:\n    image: ${X\n", "unclosed"},
      // Found by stack_fuzz's sibling campaign_fuzz: bytes that are not UTF-8 would make the
      // function's status JSON throw when written.
      {"functions:\n  f:\n    image: a\xff\xfe"
       "b\n",
       "not UTF-8 text (an invalid byte at offset 28)"},
      // Found by stack_fuzz: a map as a key threw out of the parser and aborted the process.
      {"functions:\n  f:\n    image: x\n?    limits:\n      cpu: 1\n",
       "a key must be a plain value"},
      {"functions:\n  f:\n    image: x\n  f:\n    image: y\n", "key 'f' given twice"},
  };
  for (const auto& [text, expected] : bad) {
    auto r = parse_stack(text, "/nonexistent", {});
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error();
  }
}

TEST(FunctionApi, DeploymentRoundTripsAndRejectsBadJson) {
  const std::string body = R"({"service":"slblur","image":"x:1","envProcess":"faaslab-fn --stdin",
    "envVars":{"a":"b"},"labels":{"com.openfaas.scale.min":"2"},"annotations":{"k":"v"},
    "limits":{"memory":"128Mi"},"constraints":["x=y"],"secrets":[],"readOnlyRootFilesystem":true})";
  auto f = parse_function_deployment(body);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->fprocess, "faaslab-fn --stdin");
  EXPECT_EQ(f->labels.at("com.openfaas.scale.min"), "2");
  EXPECT_TRUE(f->readonly_root_filesystem);
  auto again = parse_function_deployment(to_function_deployment(*f).dump());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->environment, f->environment);
  for (const char* bad :
       {"{", "[]", "{}", R"({"service":"Bad Name"})", R"({"service":"a","envVars":[1]})"}) {
    EXPECT_FALSE(parse_function_deployment(bad).ok()) << bad;
  }
  FunctionStatusView v{&*f, 2, 1, 7, 1700000000};
  const auto j = to_function_status(v);
  EXPECT_EQ(j["name"], "slblur");
  EXPECT_EQ(j["replicas"], 2);
  EXPECT_EQ(j["availableReplicas"], 1);
  EXPECT_EQ(j["invocationCount"], 7);
  EXPECT_EQ(j["createdAt"], "2023-11-14T22:13:20Z");
}

TEST(FunctionApi, ScaleAndDeleteRequests) {
  EXPECT_EQ(parse_scale_request(R"({"serviceName":"f","replicas":3})")->replicas, 3u);
  EXPECT_FALSE(parse_scale_request(R"({"serviceName":"f","replicas":-1})").ok());
  EXPECT_FALSE(parse_scale_request(R"({"serviceName":"f"})").ok());
  EXPECT_FALSE(parse_scale_request("nope").ok());
  EXPECT_EQ(*parse_delete_request(R"({"functionName":"f"})"), "f");
  EXPECT_FALSE(parse_delete_request("{}").ok());
}

TEST(Scaling, LabelsWithOpenFaaSDefaults) {
  auto p = scaling_policy_from_labels({});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->min, 1);
  EXPECT_EQ(p->max, 20);
  EXPECT_EQ(p->type, ScalingPolicy::Type::kNone);
  auto q = scaling_policy_from_labels({{"com.openfaas.scale.min", "0"},
                                       {"com.openfaas.scale.type", "capacity"},
                                       {"com.openfaas.scale.target", "4"},
                                       {"com.faaslab.routing", "least-inflight"},
                                       {"com.openfaas.scale.zero-duration", "2m"}});
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_TRUE(q->zero);
  EXPECT_EQ(q->type, ScalingPolicy::Type::kCapacity);
  EXPECT_EQ(q->routing, Routing::kLeastInflight);
  EXPECT_EQ(q->zero_duration, std::chrono::minutes(2));
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"com.openfaas.scale.min", "x"},
                                                        {"com.openfaas.scale.type", "cpu"},
                                                        {"com.faaslab.routing", "magic"},
                                                        {"com.openfaas.scale.max", "0"},
                                                        {"com.openfaas.scale.target", "-1"}}) {
    auto r = scaling_policy_from_labels({{k, v}});
    ASSERT_FALSE(r.ok()) << k;
    EXPECT_NE(r.error().find(k), std::string::npos);
  }
  EXPECT_FALSE(
      scaling_policy_from_labels({{"com.openfaas.scale.min", "5"}, {"com.openfaas.scale.max", "2"}})
          .ok());
}

TEST(Scaling, TheOpenFaaSProFormula) {
  ScalingPolicy p;
  p.target = 10;
  p.target_proportion = 0.9;
  p.max = 8;
  EXPECT_EQ(desired_replicas(p, 0), 1);
  EXPECT_EQ(desired_replicas(p, 9), 1);    // 9 / 9
  EXPECT_EQ(desired_replicas(p, 9.5), 2);  // ceil(1.06)
  EXPECT_EQ(desired_replicas(p, 45), 5);
  EXPECT_EQ(desired_replicas(p, 1000), 8);  // max
  p.min = 3;
  EXPECT_EQ(desired_replicas(p, 0), 3);
}

TEST(Scaling, ScaleDownWaitsForTheWindow) {
  ScaleDownWindow w;
  const auto t0 = SteadyClock::now();
  EXPECT_EQ(w.stabilise(5, 1, t0, seconds(30)), 5);                // up at once
  EXPECT_EQ(w.stabilise(2, 5, t0 + seconds(10), seconds(30)), 5);  // the 5 is still in the window
  EXPECT_EQ(w.stabilise(2, 5, t0 + seconds(31), seconds(30)), 2);  // now it has left it
}

TEST(Scaling, RpsWindowCountsRequestsNotReadsAndForgetsOldOnes) {
  RpsWindow w(seconds(10));
  const SteadyClock::time_point t0{seconds(1000)};
  for (int i = 0; i < 20; ++i) w.record(t0 + std::chrono::milliseconds(i * 100));  // 20 in 2 s
  EXPECT_DOUBLE_EQ(w.per_second(t0 + seconds(2)), 2.0);
  for (int i = 0; i < 50; ++i) EXPECT_DOUBLE_EQ(w.per_second(t0 + seconds(3)), 2.0);  // reads
  EXPECT_DOUBLE_EQ(w.per_second(t0 + seconds(13)), 0.0);  // all older than the window
}

TEST(Routing, NamesRoundTrip) {
  for (auto r : {Routing::kRandom, Routing::kRoundRobin, Routing::kLeastInflight, Routing::kFifo}) {
    EXPECT_EQ(routing_from_name(routing_name(r)), r);
  }
}

TEST(BasicAuth, GeneratesOnceThenReadsAndChecks) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-auth-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto first = load_or_create_credentials(dir.string(), Env({}));
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->user, "admin");
  EXPECT_GE(first->password.size(), 20u);
  EXPECT_EQ(fs::status(dir / "basic-auth-password").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto second = load_or_create_credentials(dir.string(), Env({}));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->password, first->password);
  auto env =
      load_or_create_credentials(dir.string(), Env({"basic_auth_user=u", "basic_auth_password=p"}));
  EXPECT_EQ(env->user, "u");
  fs::remove_all(dir);
  Credentials c;
  c.user = "admin";
  c.password = "s3cret";
  auto header = [](const std::string& s) {
    return "Basic " + base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  };
  EXPECT_TRUE(check_basic_auth(header("admin:s3cret"), c));
  EXPECT_FALSE(check_basic_auth(header("admin:s3cret2"), c));
  EXPECT_FALSE(check_basic_auth(header("admin"), c));
  EXPECT_FALSE(check_basic_auth("Bearer x", c));
  EXPECT_FALSE(check_basic_auth("", c));
}

// docs/security.md: the secrets directory is made private to its owner, even one that existed, and
// files in it are written 0600; credentials from the environment win and write nothing.
TEST(BasicAuth, SecretsAreOwnerOnlyAndTheEnvironmentWritesNothing) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-auth-modes-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto from_env =
      load_or_create_credentials(dir.string(), Env({"basic_auth_user=u", "basic_auth_password=p"}));
  ASSERT_TRUE(from_env.ok()) << from_env.error();
  EXPECT_FALSE(from_env->generated);
  EXPECT_EQ(from_env->password, "p");
  EXPECT_FALSE(fs::exists(dir)) << "credentials from the environment are not written anywhere";

  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);  // 0755
  const auto made = load_or_create_credentials(dir.string(), Env({}));
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_TRUE(made->generated);
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all)
      << "an existing directory is made 0700";
  for (const char* name : {"basic-auth-user", "basic-auth-password"}) {
    EXPECT_EQ(fs::status(dir / name).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << name;
  }
  // 24 characters from a 57-letter alphabet (no 0/O, 1/l/I): about 140 bits.
  EXPECT_EQ(made->password.size(), 24u);
  EXPECT_EQ(
      made->password.find_first_not_of("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"),
      std::string::npos);
  fs::remove_all(dir);
}

// What is logged through spdlog's default logger while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_));
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

// docs/security.md: with a basic-auth-user file and no basic-auth-password, the run that
// generates the password accepts the file's user, as every later run does.
TEST(BasicAuth, TheGeneratingRunAcceptsTheUserOfAnExistingUserFile) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-auth-user-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "basic-auth-user") << "alice\n";
  fs::permissions(dir / "basic-auth-user", fs::perms::owner_read | fs::perms::owner_write);
  const auto first = load_or_create_credentials(dir.string(), Env({}));
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->user, "alice");
  const auto second = load_or_create_credentials(dir.string(), Env({}));
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->user, "alice");
  EXPECT_EQ(second->password, first->password);
  std::ifstream in(dir / "basic-auth-user");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "alice\n") << "left as it was";
  fs::remove_all(dir);
}

// docs/security.md: existing secrets that group or others can read, or a directory that is not
// this user's or that others can write to, are used with a warning naming the path and mode.
TEST(BasicAuth, ExposedSecretsAreUsedWithAWarning) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-auth-exposed-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(load_or_create_credentials(dir.string(), Env({})).ok());  // 0700, files 0600
  const fs::path password = dir / "basic-auth-password", user = dir / "basic-auth-user";
  {
    CapturedLog log;
    ASSERT_TRUE(load_or_create_credentials(dir.string(), Env({})).ok());
    EXPECT_EQ(log.text(), "") << "private files: nothing to say";
  }
  ASSERT_EQ(::chmod(password.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(user.c_str(), 0640), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  {
    CapturedLog log;
    const auto c = load_or_create_credentials(dir.string(), Env({}));
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_FALSE(c->generated) << "still used";
    const std::string text = log.text();
    EXPECT_NE(text.find("[warning] secrets file " + password.string() + " is mode 0644"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("[warning] secrets file " + user.string() + " is mode 0640"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("[warning] secrets directory " + dir.string() + " is mode 0777"),
              std::string::npos)
        << text;
  }
  ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(password.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(user.c_str(), 0600), 0);
  // A directory owned by another user (only root can make one to test with).
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
    CapturedLog log;
    ASSERT_TRUE(load_or_create_credentials(dir.string(), Env({})).ok());
    EXPECT_NE(log.text().find("[warning] secrets directory " + dir.string() +
                              " (mode 0700) is owned by uid 65534, not by this user (uid 0)"),
              std::string::npos)
        << log.text();
  }
  fs::remove_all(dir);
}

// docs/security.md: the default secrets directory is the user's own: $XDG_CONFIG_HOME/faaslab,
// else $HOME/.config/faaslab, else in the home directory the password database gives this user
// (as faas-cli finds ~/.openfaas); never /tmp/.config/faaslab, which anyone could create first.
TEST(BasicAuth, TheDefaultSecretsDirectoryIsInTheUsersOwnHome) {
  EXPECT_EQ(*default_secrets_dir(Env({"XDG_CONFIG_HOME=/x", "HOME=/h"})), "/x/faaslab");
  EXPECT_EQ(*default_secrets_dir(Env({"HOME=/h"})), "/h/.config/faaslab");
  EXPECT_EQ(*default_secrets_dir(Env({"HOME=/h", "XDG_CONFIG_HOME="})), "/h/.config/faaslab");
  const auto without_home = default_secrets_dir(Env({}));
  const struct passwd* entry = ::getpwuid(::geteuid());
  if (entry == nullptr) {
    ASSERT_FALSE(without_home.ok());
    EXPECT_NE(without_home.error().find("--secrets-dir"), std::string::npos)
        << without_home.error();
  } else {
    ASSERT_TRUE(without_home.ok()) << without_home.error();
    EXPECT_EQ(*without_home, std::string(entry->pw_dir) + "/.config/faaslab");
  }
}

// docs/security.md: the watchdog listens on loopback unless `bind` says otherwise.
TEST(WatchdogConfig, ListensOnLoopbackUnlessToldOtherwise) {
  auto c = parse_watchdog_config({"fprocess=cat"});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->bind, "127.0.0.1");
  EXPECT_EQ(c->max_inflight, 0) << "unlimited, as OpenFaaS";
  EXPECT_EQ(c->max_body_bytes, 32ull << 20);
  EXPECT_EQ(c->max_output_bytes, 64ull << 20);
  EXPECT_EQ(c->read_timeout, seconds(10));
  EXPECT_EQ(c->write_timeout, seconds(10));
  auto all = parse_watchdog_config({"fprocess=cat", "bind=0.0.0.0"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->bind, "0.0.0.0");
}

TEST(ResourceLimits, KubernetesQuantities) {
  EXPECT_DOUBLE_EQ(*parse_cpu_quantity("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_cpu_quantity("2"), 2);
  EXPECT_FALSE(parse_cpu_quantity("0").ok());
  EXPECT_FALSE(parse_cpu_quantity("two").ok());
  EXPECT_EQ(*parse_memory_quantity("128Mi"), 128u << 20);
  EXPECT_EQ(*parse_memory_quantity("1G"), 1000000000u);
  EXPECT_EQ(*parse_memory_quantity("4096"), 4096u);
  EXPECT_FALSE(parse_memory_quantity("1 GB").ok());
  EXPECT_EQ(*parse_cpu_list("0-2,5"), (std::vector<int>{0, 1, 2, 5}));
  EXPECT_FALSE(parse_cpu_list("2-1").ok());
  for (const char* bad : {"1abc", "0-", "-1", "a-b", "9999", "", "0,,1"}) {
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << bad;
  }
  for (const char* bad : {"-5Mi", "1e30Ti", "Mi", "nan", "0"}) {
    EXPECT_FALSE(parse_memory_quantity(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_cpu_quantity("1e9999").ok());
  EXPECT_FALSE(parse_cpu_quantity("500x").ok());
  EXPECT_EQ(format_cpu_list({0, 1}), "0,1");
}

}  // namespace
}  // namespace faaslab::runtime
