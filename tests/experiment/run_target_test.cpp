// The embedded target of a sweep (RunTarget): the runtime a campaign's run starts, as the sweep
// and `faaslab demo` start it, with a one-replica classic function (cat).
#include "experiment/run_target.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/env.h"
#include "common/http_client.h"
#include "runtime/stack.h"
#include "support/test_data.h"

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;

// An environment variable set while it lives, then restored.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (saved_) {
      ::setenv(name_, saved_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

// $TMPDIR set to a fresh directory while it lives, so a test sees what the runtime puts there.
class ScopedTmpdir {
 public:
  ScopedTmpdir()
      : path_(fs::temp_directory_path() /
              ("faaslab-run-target-test-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
    if (const char* old = std::getenv("TMPDIR")) saved_ = old;
    ::setenv("TMPDIR", path_.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (saved_) {
      ::setenv("TMPDIR", saved_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::vector<fs::path> entries(const std::string& prefix) const {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(path_)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path());
    }
    return found;
  }

 private:
  fs::path path_;
  std::optional<std::string> saved_;
};

class EmbeddedTarget : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = runtime::parse_stack(
        "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n  echo:\n    image: t\n"
        "    fprocess: cat\n",
        tmpdir_.path(), {});
    ASSERT_TRUE(stack) << stack.error();
    stack_ = *stack;
    campaign_.name = "run-target-test";
    campaign_.target.stack_file = (tmpdir_.path() / "stack.yml").string();
    campaign_.target.functions = {{"classic", "echo"}};
    run_.mode = "classic";
    run_.replicas = 1;
  }

  Result<RunTarget> start() {
    return RunTarget::start(campaign_, &stack_, run_,
                            fs::path(faaslab::testing::binary("bin")).string());
  }

  ScopedTmpdir tmpdir_;
  runtime::StackFile stack_;
  Campaign campaign_;
  RunConfig run_;
};

// docs/security.md: a run's replicas get their TMPDIRs below a directory of the run's own, made
// by mkdtemp (mode 0700, a name nobody can create first), removed when the run stops.
TEST_F(EmbeddedTarget, TheStateDirectoryIsPrivateAndRemovedWhenTheRunStops) {
  auto target = start();
  ASSERT_TRUE(target) << target.error();
  const auto dirs = tmpdir_.entries("faaslab-sweep-");
  ASSERT_EQ(dirs.size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(dirs[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u) << dirs[0];
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_NE(dirs[0].filename().string(), "faaslab-sweep-" + std::to_string(::getpid()))
      << "not a name another user could have made first";
  target->stop();
  EXPECT_TRUE(tmpdir_.entries("faaslab-sweep-").empty()) << "removed when the run stops";
}

// docs/security.md: the gateway of a sweep's (or the demo's) run has basic auth on /system/ with
// credentials made up for the run and kept in memory: another local user cannot deploy through
// it, with no credentials or with guessed ones. /function/ stays open for the run's requests.
TEST_F(EmbeddedTarget, SystemRoutesNeedCredentialsNobodyElseHas) {
  const fs::path config = tmpdir_.path() / "config";
  const ScopedEnv xdg("XDG_CONFIG_HOME", config.string());
  auto target = start();
  ASSERT_TRUE(target) << target.error();
  const auto port = target->url().port;
  auto call = [&](const std::string& method, const std::string& path, const std::string& body,
                  HeaderList headers) {
    HttpRequest r;
    r.method = method;
    r.target = path;
    r.body = body;
    r.headers = std::move(headers);
    return http_request("127.0.0.1", port, r, std::chrono::seconds(10));
  };
  auto basic = [](const std::string& user_password) {
    return HeaderList{
        {"Authorization",
         "Basic " + base64_encode({reinterpret_cast<const std::uint8_t*>(user_password.data()),
                                   user_password.size()})}};
  };
  const std::string deploy = R"({"service": "evil", "image": "x", "envProcess": "/bin/echo evil"})";
  for (const auto& headers :
       {HeaderList{}, basic("admin:admin"), basic("faaslab-sweep:"), basic("admin:")}) {
    auto r = call("POST", "/system/functions", deploy, headers);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 401) << (headers.empty() ? "no credentials" : headers[0].second);
  }
  for (const char* path : {"/system/functions", "/system/function/echo", "/system/info"}) {
    auto r = call("GET", path, "", {});
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 401) << path;
  }
  auto echoed = call("POST", "/function/echo", "frame", {});
  ASSERT_TRUE(echoed) << echoed.error();
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(echoed->body, "frame");
  const auto events = target->stop();
  for (const auto& e : events) EXPECT_NE(e.function, "evil") << e.kind;
  EXPECT_FALSE(fs::exists(config)) << "the run's credentials are written nowhere";
}

}  // namespace
}  // namespace faaslab::experiment
