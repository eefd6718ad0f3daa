// Campaign files: parsing every field, path resolution, grid expansion and its order, run keys,
// external targets, the errors bad input gives, and the demo campaign.
#include "experiment/campaign.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "experiment/demo.h"

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::HasSubstr;

constexpr const char* kBase = "/campaigns/study";

// Every field set.
constexpr const char* kFull = R"(
name: full
target:
  stack: ../deploy/stack.yml
  functions: {classic: slblur, http: slblur-warm}
workload:
  video: data/face.mp4
  frames: 5
  frame_step: 3
  iterations: 2
  timeout: 10s
  think: 250ms
  think_dist: exponential
  ramp_up: 1s
  codec: png
  frame_size: 640x480
  replicas: 2
  routing: least-inflight
  max_inflight: 4
  workers: 3
grid:
  mode: [classic, http]
  think: [0s, 500ms]
  users: [1, 2, 4]
repetitions: 3
warmup: 2
cooldown: 1.5s
order: shuffled
seed: 42
)";

Campaign parse_ok(const std::string& yaml, const std::string& base = kBase) {
  auto c = parse_campaign(yaml, base);
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? *c : Campaign{};
}

// A minimal valid campaign on the embedded runtime with `extra` appended (top-level keys).
std::string minimal(const std::string& workload_extra = "", const std::string& extra = "") {
  return "target:\n  stack: stack.yml\n  function: slblur\nworkload:\n  video: v.mp4\n" +
         workload_extra + extra;
}

std::vector<std::pair<std::string, int>> keys_and_reps(const std::vector<PlannedRun>& runs) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : runs) out.emplace_back(r.config.key(), r.repetition);
  return out;
}

TEST(Campaign, FullCampaignParsesEveryField) {
  const Campaign c = parse_ok(kFull);
  EXPECT_EQ(c.name, "full");
  EXPECT_EQ(c.file, "");
  EXPECT_FALSE(c.target.external());
  EXPECT_EQ(c.target.stack_file, "/campaigns/deploy/stack.yml");
  EXPECT_EQ(c.target.functions,
            (std::map<std::string, std::string>{{"classic", "slblur"}, {"http", "slblur-warm"}}));
  EXPECT_EQ(c.video, "/campaigns/study/data/face.mp4");
  EXPECT_EQ(c.frames, 5u);
  EXPECT_EQ(c.frame_step, 3u);
  EXPECT_EQ(c.iterations, 2u);
  EXPECT_EQ(c.duration, 0us);
  EXPECT_EQ(c.timeout, 10s);
  EXPECT_EQ(c.base.think, 250ms);
  EXPECT_EQ(c.base.think_dist, "exponential");
  EXPECT_EQ(c.base.ramp_up, 1s);
  EXPECT_EQ(c.base.codec, "png");
  EXPECT_EQ(c.base.frame_width, 640);
  EXPECT_EQ(c.base.frame_height, 480);
  EXPECT_EQ(c.base.replicas, 2);
  EXPECT_EQ(c.base.routing, "least-inflight");
  EXPECT_EQ(c.base.max_inflight, 4);
  EXPECT_EQ(c.base.workers, 3);
  EXPECT_EQ(c.base.users, 1u);  // default
  EXPECT_EQ(c.base.rate, 0.0);
  EXPECT_EQ(c.base.mode, "classic");
  ASSERT_EQ(c.grid.size(), 3u);
  EXPECT_EQ(c.grid[0].first, "mode");
  EXPECT_EQ(c.grid[0].second, (std::vector<json>{"classic", "http"}));
  EXPECT_EQ(c.grid[1].first, "think");
  EXPECT_EQ(c.grid[1].second, (std::vector<json>{"0s", "500ms"}));
  EXPECT_EQ(c.grid[2].first, "users");
  EXPECT_EQ(c.grid[2].second, (std::vector<json>{1, 2, 4}));
  EXPECT_EQ(c.repetitions, 3);
  EXPECT_EQ(c.warmup_requests, 2u);
  EXPECT_EQ(c.cooldown, 1500ms);
  EXPECT_EQ(c.order, "shuffled");
  EXPECT_EQ(c.seed, 42u);
}

TEST(Campaign, DefaultsOfAMinimalCampaign) {
  const Campaign c = parse_ok(minimal());
  EXPECT_EQ(c.name, "campaign");
  EXPECT_EQ(c.target.functions,
            (std::map<std::string, std::string>{
                {"classic", "slblur"}, {"http", "slblur"}, {"fork", "slblur"}}));
  EXPECT_EQ(c.frames, 0u);
  EXPECT_EQ(c.frame_step, 1u);
  EXPECT_EQ(c.iterations, 1u);
  EXPECT_EQ(c.timeout, 25s);
  EXPECT_TRUE(c.grid.empty());
  EXPECT_EQ(c.repetitions, 1);
  EXPECT_EQ(c.warmup_requests, 0u);
  EXPECT_EQ(c.cooldown, 0us);
  EXPECT_EQ(c.order, "listed");
  EXPECT_EQ(c.seed, 1u);
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].config.key(), RunConfig{}.key());
}

// Found by campaign_fuzz: a value that is not UTF-8 made the "expected an integer, got ..."
// message throw (nlohmann::json cannot write it) and the process abort.
TEST(Campaign, TextThatIsNotUtf8IsAClearError) {
  auto c = parse_campaign(minimal("  users: \"1\xff\"\n"), "/tmp");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("not UTF-8 text (an invalid byte at offset"), std::string::npos)
      << c.error();
  // A truncated sequence at the very end, and an overlong form, too.
  EXPECT_FALSE(parse_campaign(minimal() + "name: x\xe2\x82", "/tmp").ok());
  EXPECT_FALSE(parse_campaign(minimal() + "name: \xc0\xafx\n", "/tmp").ok());
  EXPECT_TRUE(parse_campaign(minimal() + "name: caf\xc3\xa9 \xe2\x82\xac\n", "/tmp").ok());
}

// Found by campaign_fuzz: a second `grid:` made the axes come from one map and their values from
// the other — a read of a missing key of a const json, undefined behaviour (a use after free
// under ASan).
TEST(Campaign, AGridGivenTwiceIsAClearError) {
  auto c = parse_campaign(minimal("", "grid:\n  users: [1, 2]\ngrid:\n  think: [0s]\n"), "/tmp");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("key 'grid' given twice"), std::string::npos) << c.error();
}

TEST(Campaign, RelativePathsResolveAgainstBaseDirAbsoluteOnesStay) {
  const Campaign rel = parse_ok(
      "target: {stack: ./a/../stack.yml, function: f}\nworkload: {video: ../videos/v.mp4}\n",
      "/x/y");
  EXPECT_EQ(rel.target.stack_file, "/x/y/stack.yml");
  EXPECT_EQ(rel.video, "/x/videos/v.mp4");
  const Campaign abs = parse_ok(
      "target: {stack: /etc/stack.yml, function: f}\nworkload: {video: /v/v.mp4}\n", "/x/y");
  EXPECT_EQ(abs.target.stack_file, "/etc/stack.yml");
  EXPECT_EQ(abs.video, "/v/v.mp4");
}

// A scratch directory under /tmp, unique to this process, removed at the end.
class CampaignFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("faaslab-campaign-test-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(CampaignFile, LoadResolvesAgainstTheFilesDirectory) {
  const auto path = write("sub/c.yaml", kFull);
  auto c = load_campaign(path.string());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->file, path.string());
  EXPECT_EQ(c->target.stack_file, (dir_ / "deploy/stack.yml").string());
  EXPECT_EQ(c->video, (dir_ / "sub/data/face.mp4").string());
  EXPECT_EQ(expand(*c).size(), 36u);
}

TEST_F(CampaignFile, LoadErrorsNameTheFile) {
  const auto missing = (dir_ / "nope.yaml").string();
  auto a = load_campaign(missing);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error(), HasSubstr("cannot read campaign file " + missing));
  const auto bad = write("bad.yaml", minimal("", "repetitions: 0\n"));
  auto b = load_campaign(bad.string());
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error(), HasSubstr(bad.string() + ": repetitions"));
}

TEST_F(CampaignFile, PasswordFileIsReadRelativeToTheCampaign) {
  write("sub/secret", "s3cret\nignored second line\n");
  const auto path = write("sub/ext.yaml",
                          "target:\n  url: http://127.0.0.1:8080/function/slblur\n"
                          "  gateway: http://127.0.0.1:8080\n  user: bob\n"
                          "  password_file: secret\nworkload: {video: v.mp4}\n");
  auto c = load_campaign(path.string());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->target.external());
  EXPECT_EQ(c->target.url, "http://127.0.0.1:8080/function/slblur");
  EXPECT_EQ(c->target.gateway, "http://127.0.0.1:8080");
  EXPECT_EQ(c->target.user, "bob");
  EXPECT_EQ(c->target.password, "s3cret");

  const auto missing = write("sub/ext2.yaml",
                             "target: {url: http://h/f, password_file: none}\n"
                             "workload: {video: v.mp4}\n");
  auto m = load_campaign(missing.string());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("target.password_file"));
}

TEST(Campaign, ExpandCountIsProductOfAxesTimesRepetitions) {
  const Campaign c = parse_ok(kFull);
  EXPECT_EQ(expand(c).size(), 2u * 2u * 3u * 3u);
  const Campaign one = parse_ok(minimal("", "grid: {users: 7}\nrepetitions: 5\n"));
  ASSERT_EQ(one.grid.size(), 1u);
  EXPECT_EQ(one.grid[0].second, (std::vector<json>{7}));  // a scalar is a list of one
  const auto runs = expand(one);
  ASSERT_EQ(runs.size(), 5u);
  for (const auto& r : runs) EXPECT_EQ(r.config.users, 7u);
}

TEST(Campaign, ListedOrderRepetitionsOutermostLastAxisFastest) {
  Campaign c = parse_ok(kFull);
  c.order = "listed";
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 36u);
  const std::vector<std::string> modes = {"classic", "http"};
  const std::vector<Micros> thinks = {0s, 500ms};
  const std::vector<std::uint64_t> users = {1, 2, 4};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    const auto& r = runs[i];
    const std::size_t j = i % 12;
    EXPECT_EQ(r.repetition, static_cast<int>(i / 12));
    EXPECT_EQ(r.ordinal, static_cast<int>(i));
    EXPECT_EQ(r.seed, 42u * 1000003u + i);
    EXPECT_EQ(r.config.mode, modes[j / 6]);
    EXPECT_EQ(r.config.think, thinks[(j / 3) % 2]);
    EXPECT_EQ(r.config.users, users[j % 3]);
    // Workload defaults carried into every run.
    EXPECT_EQ(r.config.think_dist, "exponential");
    EXPECT_EQ(r.config.replicas, 2);
    EXPECT_EQ(r.config.frame_width, 640);
  }
}

TEST(Campaign, ListedOrderFollowsTheFile) {
  const Campaign c = parse_ok(minimal("", "grid:\n  users: [1, 2]\n  mode: [classic, http]\n"));
  ASSERT_EQ(c.grid.size(), 2u);
  EXPECT_EQ(c.grid[0].first, "users");
  EXPECT_EQ(c.grid[1].first, "mode");
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].config.users, 1u);
  EXPECT_EQ(runs[0].config.mode, "classic");
  EXPECT_EQ(runs[1].config.users, 1u);
  EXPECT_EQ(runs[1].config.mode, "http");
  EXPECT_EQ(runs[2].config.users, 2u);
  EXPECT_EQ(runs[2].config.mode, "classic");
}

TEST(Campaign, ShuffledOrderIsASeededPermutation) {
  Campaign c = parse_ok(kFull);
  c.order = "listed";
  const auto listed = keys_and_reps(expand(c));
  c.order = "shuffled";
  const auto a = expand(c);
  const auto b = expand(c);
  c.seed = 43;
  const auto other = expand(c);
  EXPECT_EQ(keys_and_reps(a), keys_and_reps(b));
  EXPECT_NE(keys_and_reps(a), keys_and_reps(other));
  EXPECT_NE(keys_and_reps(a), listed);
  auto sorted = [](std::vector<std::pair<std::string, int>> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(keys_and_reps(a)), sorted(listed));
  EXPECT_EQ(sorted(keys_and_reps(other)), sorted(listed));
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].ordinal, static_cast<int>(i));
    EXPECT_EQ(a[i].seed, 42u * 1000003u + i);
    EXPECT_EQ(other[i].seed, 43u * 1000003u + i);
  }
}

TEST(Campaign, KeysAreUniquePerConfigurationAndSharedByRepetitions) {
  const auto runs = expand(parse_ok(kFull));
  std::map<std::string, std::set<int>> reps_by_key;
  for (const auto& r : runs) {
    EXPECT_TRUE(reps_by_key[r.config.key()].insert(r.repetition).second)
        << "duplicate (key, repetition): " << r.config.key() << " " << r.repetition;
  }
  EXPECT_EQ(reps_by_key.size(), 12u);
  for (const auto& [key, reps] : reps_by_key) EXPECT_EQ(reps, (std::set<int>{0, 1, 2})) << key;
}

TEST(Campaign, KeyText) {
  RunConfig closed;
  closed.users = 2;
  closed.think = 500ms;
  closed.mode = "http";
  EXPECT_EQ(closed.key(),
            "users=2 think=500ms think_dist=constant ramp_up=0s replicas=1 mode=http "
            "routing=random max_inflight=0 workers=0 codec=base64");
  RunConfig open;
  open.rate = 12.5;
  open.arrival = "constant";
  open.replicas = 3;
  open.frame_width = 640;
  open.frame_height = 480;
  EXPECT_EQ(open.key(),
            "rate=12.5 arrival=constant replicas=3 mode=classic routing=random max_inflight=0 "
            "workers=0 codec=base64 frame=640x480");
  const json j = open.to_json();
  EXPECT_EQ(j["model"], "open");
  EXPECT_EQ(j["rate"], 12.5);
  EXPECT_EQ(j["frame_size"], "640x480");
  EXPECT_FALSE(j.contains("users"));
  const json k = closed.to_json();
  EXPECT_EQ(k["model"], "closed");
  EXPECT_EQ(k["users"], 2);
  EXPECT_EQ(k["think_s"], 0.5);
  EXPECT_FALSE(k.contains("rate"));
}

TEST(Campaign, OpenModelWithDuration) {
  const Campaign c =
      parse_ok(minimal("  duration: 1m\n  arrival: constant\n", "grid: {rate: [5, 12.5]}\n"));
  EXPECT_EQ(c.duration, 60s);
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].config.rate, 5.0);
  EXPECT_EQ(runs[1].config.rate, 12.5);
  EXPECT_EQ(runs[1].config.arrival, "constant");
  EXPECT_THAT(runs[1].config.key(), HasSubstr("rate=12.5 arrival=constant"));
}

TEST(Campaign, ToJson) {
  const Campaign c = parse_ok(kFull);
  const json j = campaign_to_json(c);
  EXPECT_EQ(j["name"], "full");
  EXPECT_EQ(j["file"], "");
  EXPECT_EQ(j["target"]["stack"], "/campaigns/deploy/stack.yml");
  EXPECT_EQ(j["target"]["functions"]["http"], "slblur-warm");
  EXPECT_EQ(j["workload"]["video"], "/campaigns/study/data/face.mp4");
  EXPECT_EQ(j["workload"]["frames"], 5);
  EXPECT_EQ(j["workload"]["frame_step"], 3);
  EXPECT_EQ(j["workload"]["iterations"], 2);
  EXPECT_EQ(j["workload"]["duration_s"], 0.0);
  EXPECT_EQ(j["workload"]["timeout_s"], 10.0);
  EXPECT_EQ(j["workload"]["defaults"]["think_s"], 0.25);
  EXPECT_EQ(j["workload"]["defaults"]["codec"], "png");
  EXPECT_EQ(j["grid"]["users"], json::array({1, 2, 4}));
  EXPECT_EQ(j["grid"]["think"], json::array({"0s", "500ms"}));
  EXPECT_EQ(j["repetitions"], 3);
  EXPECT_EQ(j["warmup_requests"], 2);
  EXPECT_EQ(j["cooldown_s"], 1.5);
  EXPECT_EQ(j["order"], "shuffled");
  EXPECT_EQ(j["seed"], 42);
  // JSON round trip (as stored in the database).
  EXPECT_EQ(json::parse(j.dump()), j);
}

constexpr const char* kExternal = "target:\n  url: http://127.0.0.1:8080/function/slblur\n";

TEST(Campaign, ExternalTargetRefusesRuntimeAxes) {
  for (const std::string axis : {"mode: [classic, http]", "routing: [random, fifo]",
                                 "max_inflight: [0, 4]", "workers: [0, 2]"}) {
    SCOPED_TRACE(axis);
    auto c = parse_campaign(
        std::string(kExternal) + "workload: {video: v.mp4}\ngrid: {" + axis + "}\n", kBase);
    ASSERT_FALSE(c.ok());
    const std::string name = axis.substr(0, axis.find(':'));
    EXPECT_THAT(c.error(), HasSubstr("grid." + name + ": cannot be varied on an external"));
  }
}

TEST(Campaign, ExternalTargetVariesReplicasOnlyThroughAGateway) {
  auto no_gateway = parse_campaign(
      std::string(kExternal) + "workload: {video: v.mp4}\ngrid: {replicas: [1, 2]}\n", kBase);
  ASSERT_FALSE(no_gateway.ok());
  EXPECT_THAT(no_gateway.error(), HasSubstr("target.gateway"));

  const Campaign c = parse_ok(std::string(kExternal) +
                              "  gateway: http://127.0.0.1:8080\n  password: pw\n"
                              "workload: {video: v.mp4, users: 3}\ngrid: {replicas: [1, 2, 4]}\n");
  EXPECT_TRUE(c.target.external());
  EXPECT_EQ(c.target.user, "admin");
  EXPECT_EQ(c.target.password, "pw");
  EXPECT_TRUE(c.target.stack_file.empty());
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].config.replicas, 4);
  EXPECT_EQ(runs[2].config.users, 3u);
  const json j = campaign_to_json(c);
  EXPECT_EQ(j["target"]["url"], "http://127.0.0.1:8080/function/slblur");
  EXPECT_EQ(j["target"]["gateway"], "http://127.0.0.1:8080");
  EXPECT_FALSE(j["target"].contains("password"));  // not stored with the results
}

TEST(Campaign, ExternalTargetWithStackIsAnError) {
  auto c =
      parse_campaign(std::string(kExternal) + "  stack: s.yml\nworkload: {video: v.mp4}\n", kBase);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error(), HasSubstr("target: give either url"));
}

// Bad input: each an error naming the field.
struct BadInput {
  const char* name;
  std::string yaml;
  std::string expected;  // a substring of the error
};

std::ostream& operator<<(std::ostream& out, const BadInput& b) {
  return out << b.name;
}

class CampaignBadInput : public testing::TestWithParam<BadInput> {};

TEST_P(CampaignBadInput, IsAnErrorNamingTheField) {
  auto c = parse_campaign(GetParam().yaml, kBase);
  ASSERT_FALSE(c.ok()) << "accepted:\n" << GetParam().yaml;
  EXPECT_THAT(c.error(), HasSubstr(GetParam().expected));
}

const std::string kTarget = "target:\n  stack: stack.yml\n  function: slblur\n";

INSTANTIATE_TEST_SUITE_P(
    Campaign, CampaignBadInput,
    testing::Values(
        BadInput{"MalformedYaml", "target: [unclosed\n", "invalid YAML"},
        BadInput{"MalformedYamlIndent", "a:\n  b: 1\n c: 2\n", "invalid YAML"},
        BadInput{"ListDocument", "- a\n- b\n", "a campaign is a map"},
        BadInput{"ScalarDocument", "hello\n", "a campaign is a map"},
        BadInput{"EmptyDocument", "", "a campaign is a map"},
        BadInput{"UnknownTopLevelKey", minimal("", "colour: red\n"), "colour: unknown key"},
        BadInput{"UnknownTargetKey", kTarget + "  colour: red\nworkload: {video: v.mp4}\n",
                 "target.colour: unknown key"},
        BadInput{"UnknownWorkloadKey", minimal("  colour: red\n"), "workload.colour: unknown key"},
        BadInput{"UnknownGridAxis", minimal("", "grid: {colour: [red]}\n"),
                 "grid.colour: unknown axis"},
        BadInput{"NegativeUsersInGrid", minimal("", "grid: {users: [1, -1]}\n"),
                 "grid.users: -1 is out of range"},
        BadInput{"NegativeUsersInWorkload", minimal("  users: -2\n"),
                 "workload.users: -2 is out of range"},
        BadInput{"ZeroUsers", minimal("", "grid: {users: [0]}\n"), "grid.users: 0 is out of range"},
        BadInput{"FractionalUsers", minimal("", "grid: {users: [1.5]}\n"),
                 "grid.users: expected an integer"},
        BadInput{"ZeroRateInGrid", minimal("  duration: 10s\n", "grid: {rate: [0]}\n"),
                 "grid.rate: expected a positive number"},
        BadInput{"NegativeRateInGrid", minimal("  duration: 10s\n", "grid: {rate: [5, -5]}\n"),
                 "grid.rate: expected a positive number"},
        BadInput{"ZeroRateInWorkload", minimal("  duration: 10s\n  rate: 0\n"),
                 "workload.rate: expected a positive number"},
        BadInput{"TextRate", minimal("  duration: 10s\n", "grid: {rate: [fast]}\n"),
                 "grid.rate: expected a positive number"},
        BadInput{"EmptyGridList", minimal("", "grid: {users: []}\n"), "grid.users: no values"},
        BadInput{"BadThinkDuration", minimal("", "grid: {think: [5 parsecs]}\n"), "grid.think"},
        BadInput{"BadTimeout", minimal("  timeout: 5 parsecs\n"), "workload.timeout"},
        BadInput{"ZeroTimeout", minimal("  timeout: 0s\n"), "workload.timeout: must be positive"},
        BadInput{"BadDuration", minimal("  duration: 5 parsecs\n"), "workload.duration"},
        BadInput{"NegativeDuration", minimal("  duration: -5\n"), "workload.duration: negative"},
        // Found by campaign_fuzz: a number of seconds past Micros' range was cast regardless.
        BadInput{"HugeThinkInGrid", minimal("", "grid: {think: [5e42]}\n"),
                 "grid.think: duration of 5e+42 s is too large"},
        BadInput{"BadCooldown", minimal("", "cooldown: 5 parsecs\n"), "cooldown"},
        BadInput{"BadRampUp", minimal("  ramp_up: soon\n"), "workload.ramp_up"},
        BadInput{"ZeroRepetitions", minimal("", "repetitions: 0\n"),
                 "repetitions: 0 is out of range"},
        BadInput{"NegativeWarmup", minimal("", "warmup: -1\n"), "warmup: -1 is out of range"},
        BadInput{"TextSeed", minimal("", "seed: abc\n"), "seed: expected an integer"},
        BadInput{"RandomOrder", minimal("", "order: random\n"),
                 "order: 'random' is not one of listed, shuffled"},
        BadInput{"UnknownMode", minimal("", "grid: {mode: [classic, turbo]}\n"),
                 "grid.mode: 'turbo' is not one of"},
        BadInput{"UnknownRouting", minimal("  routing: sideways\n"), "workload.routing"},
        BadInput{"BadFrameSize", minimal("", "grid: {frame_size: [640by480]}\n"),
                 "grid.frame_size: expected WIDTHxHEIGHT"},
        BadInput{"TinyFrameSize", minimal("  frame_size: 8x8\n"), "workload.frame_size"},
        BadInput{"ZeroFrameStep", minimal("  frame_step: 0\n"), "workload.frame_step"},
        BadInput{"ReplicasOverLimit", minimal("", "grid: {replicas: [65]}\n"), "grid.replicas"},
        BadInput{"RateAndUsersInGrid",
                 minimal("  duration: 10s\n", "grid: {rate: [1, 2], users: [1, 2]}\n"),
                 "grid: rate (open model) cannot vary together with users"},
        BadInput{"WorkloadRateAndGridThink",
                 minimal("  duration: 10s\n  rate: 5\n", "grid: {think: [0s, 1s]}\n"),
                 "grid: rate (open model) cannot vary together with users or think"},
        BadInput{"OpenModelWithoutDuration", minimal("  rate: 5\n"),
                 "workload.duration: required for the open model"},
        BadInput{"MissingVideo", kTarget + "workload: {frames: 3}\n", "workload.video: required"},
        BadInput{"MissingWorkload", kTarget, "workload.video: required"},
        BadInput{"WorkloadNotAMap", kTarget + "workload: [1, 2]\n", "workload: expected a map"},
        BadInput{"GridNotAMap", minimal("", "grid: [1, 2]\n"), "grid: expected a map"},
        BadInput{"MissingTarget", "workload: {video: v.mp4}\n", "target: required"},
        BadInput{"TargetNotAMap", "target: slblur\nworkload: {video: v.mp4}\n", "target: required"},
        BadInput{"MissingStack", "target: {function: f}\nworkload: {video: v.mp4}\n",
                 "target.stack: required"},
        BadInput{"MissingFunction", "target: {stack: s.yml}\nworkload: {video: v.mp4}\n",
                 "target.function"},
        BadInput{"UnknownFunctionMode",
                 "target: {stack: s.yml, functions: {turbo: f}}\nworkload: {video: v.mp4}\n",
                 "target.functions.turbo: modes are classic, http and fork"},
        BadInput{"GridModeWithoutFunction",
                 "target: {stack: s.yml, functions: {classic: f}}\nworkload: {video: v.mp4}\n"
                 "grid: {mode: [classic, http]}\n",
                 "target.functions: no function for mode http"},
        BadInput{"DefaultModeWithoutFunction",
                 "target: {stack: s.yml, functions: {http: f}}\nworkload: {video: v.mp4}\n",
                 "target.functions: no function for mode classic"},
        BadInput{"WorkloadModeWithoutFunction",
                 "target: {stack: s.yml, functions: {classic: f}}\n"
                 "workload: {video: v.mp4, mode: http}\n",
                 "target.functions: no function for mode http"}),
    [](const testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(Campaign, GridRateWithoutDurationIsAnError) {
  auto c = parse_campaign(minimal("", "grid: {rate: [5, 10]}\n"), kBase);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error(), HasSubstr("workload.duration"));
}

TEST(Campaign, QuotedScalarsStayStrings) {
  // A quoted number is a string: for users that is an error, for a mode it is the text.
  auto c = parse_campaign(minimal("", "grid: {users: ['4']}\n"), kBase);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error(), HasSubstr("grid.users: expected an integer"));
  const Campaign named =
      parse_ok("name: '2024'\ntarget: {stack: s.yml, function: f}\nworkload: {video: v.mp4}\n");
  EXPECT_EQ(named.name, "2024");
}

TEST(Campaign, UnquotedNumericNameIsText) {
  Result<Campaign> c = make_error("not parsed");
  EXPECT_NO_THROW(
      c = parse_campaign(
          "name: 2024\ntarget: {stack: s.yml, function: f}\nworkload: {video: v.mp4}\n", kBase));
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->name, "2024");
}

TEST(Campaign, GridAxesList) {
  EXPECT_EQ(grid_axes(),
            (std::vector<std::string>{"users", "think", "think_dist", "ramp_up", "rate", "arrival",
                                      "replicas", "mode", "routing", "max_inflight", "workers",
                                      "codec", "frame_size", "topology", "placement",
                                      "offload_threshold", "cloud_delay", "cloud_bandwidth"}));
}

constexpr const char* kEdgeCloud = R"(
name: edge-cloud
target: {stack: s.yml, function: f}
workload: {video: v.mp4, placement: edge-first}
topologies:
  near:
    nodes: {edge-1: {role: edge, cpus: 0.5}, cloud-1: {role: cloud, cpus: 1.5}}
    links:
      - {from: client, to: edge-1, delay: 2ms, bandwidth: 100Mbit}
      - {from: edge-1, to: cloud-1, delay: 5ms, bandwidth: 50Mbit}
  far:
    nodes: {edge-1: {role: edge, cpus: 0.5}, cloud-1: {role: cloud, cpus: 1.5}}
    links:
      - {from: client, to: edge-1, delay: 2ms, bandwidth: 100Mbit}
      - {from: edge-1, to: cloud-1, delay: 23ms, bandwidth: {up: 20Mbit, down: 100Mbit}}
grid:
  topology: [near, far]
  placement: [edge-only, cloud-only, edge-first]
  offload_threshold: [0, 2]
  cloud_delay: [10ms]
  cloud_bandwidth: [40Mbit]
)";

TEST(Campaign, EdgeCloudAxesExpandAndKeyTheirRuns) {
  const Campaign c = parse_ok(kEdgeCloud);
  ASSERT_EQ(c.topologies.size(), 2u);
  EXPECT_EQ(c.topologies.at("far").links[1].up_bps, 20e6);
  EXPECT_EQ(c.base.placement, "edge-first");
  const auto runs = expand(c);
  ASSERT_EQ(runs.size(), 12u);
  const RunConfig& first = runs[0].config;
  EXPECT_EQ(first.topology, "near");
  EXPECT_EQ(first.placement, "edge-only");
  EXPECT_EQ(first.cloud_delay, 10ms);
  EXPECT_DOUBLE_EQ(first.cloud_bandwidth_bps, 40e6);
  EXPECT_THAT(first.key(), HasSubstr("topology=near placement=edge-only cloud_delay=10ms "
                                     "cloud_bandwidth=40Mbit/s"));
  EXPECT_THAT(runs[1].config.key(), HasSubstr("offload_threshold=2"));
  EXPECT_EQ(first.to_json()["topology"], "near");
  // The run's topology: the overrides apply to the links that reach a cloud node only.
  auto t = run_topology(c, first, runtime::Topology{});
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->links[0].delay, 2ms);
  EXPECT_EQ(t->links[1].delay, 10ms);
  EXPECT_DOUBLE_EQ(t->links[1].up_bps, 40e6);
  EXPECT_DOUBLE_EQ(t->links[1].down_bps, 40e6);
  EXPECT_DOUBLE_EQ(t->links[0].up_bps, 100e6);
  // A campaign without edge–cloud settings keeps its keys as before.
  EXPECT_EQ(RunConfig{}.key().find("topology"), std::string::npos);
  EXPECT_TRUE(campaign_to_json(c)["topologies"].contains("far"));
}

TEST(Campaign, EdgeCloudBadInputNamesTheField) {
  auto error = [](const std::string& yaml) {
    auto c = parse_campaign(yaml, kBase);
    return c.ok() ? std::string("parsed") : c.error();
  };
  const std::string head =
      "name: x\ntarget: {stack: s.yml, function: f}\nworkload: {video: v.mp4}\n";
  const std::string near =
      "topologies:\n  near:\n    nodes: {edge-1: {role: edge}}\n"
      "    links: [{from: client, to: edge-1}]\n";
  EXPECT_THAT(error(head + "grid: {topology: [nowhere]}\n"),
              HasSubstr("no topology named 'nowhere'"));
  EXPECT_THAT(error(head + near + "grid: {placement: [nearest]}\n"), HasSubstr("grid.placement"));
  EXPECT_THAT(error(head + near + "grid: {cloud_delay: [20s]}\n"), HasSubstr("at most 10s"));
  EXPECT_THAT(error(head + near + "grid: {cloud_bandwidth: [fast]}\n"),
              HasSubstr("grid.cloud_bandwidth"));
  EXPECT_THAT(error(head + near + "grid: {cloud_bandwidth: [unlimited]}\n"),
              HasSubstr("positive bandwidth"));
  EXPECT_THAT(error(head + near + "grid: {offload_threshold: [-1]}\n"),
              HasSubstr("grid.offload_threshold"));
  EXPECT_THAT(error(head + "topologies:\n  near:\n    nodes: {edge-1: {role: moon}}\n"),
              HasSubstr("topologies.near: topology.nodes.edge-1.role"));
  EXPECT_THAT(error(head + "topologies:\n  stack: {nodes: {}}\n"), HasSubstr("not \"stack\""));
  EXPECT_THAT(error(head + "topologies: {a: /no/such/file.yml}\n"), HasSubstr("topologies.a"));
  EXPECT_THAT(error(head + "topologies: []\n"), HasSubstr("topologies: a map"));
  EXPECT_THAT(error("name: x\ntarget: {url: 'http://127.0.0.1:1/function/f'}\n"
                    "workload: {video: v.mp4}\ngrid: {placement: [split]}\n"),
              HasSubstr("embedded runtime only"));
  // Placement without any topology: refused when the run's topology is resolved.
  RunConfig run;
  run.placement = "split";
  Campaign none = parse_ok(head);
  auto t = run_topology(none, run, runtime::Topology{});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error(), HasSubstr("need a topology"));
  run.placement.clear();
  run.topology = "stack";
  t = run_topology(none, run, runtime::Topology{});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error(), HasSubstr("has none"));
}

TEST(Campaign, DemoEdgeCloudPartParsesAndExpands) {
  const DemoInputs inputs{"/opt/faas lab/deploy/stack.yml", "/opt/faas lab/testdata/v.mp4",
                          "/opt/faas lab/deploy/edge-cloud-stack.yml",
                          std::string(FAASLAB_SOURCE_DIR) + "/deploy/topologies/reference.yml"};
  auto c = parse_campaign(demo_edge_cloud_yaml(inputs), "/elsewhere");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->topologies.size(), 2u);
  EXPECT_EQ(expand(*c).size(), 18u);
  EXPECT_EQ(c->target.stack_file, "/opt/faas lab/deploy/edge-cloud-stack.yml");
}

TEST(Campaign, DemoCampaignsParseAndExpand) {
  const DemoInputs inputs{"/opt/faas lab/deploy/stack.yml",
                          "/opt/faas lab/testdata/we\"ird\\name.mp4", "", ""};
  for (const bool quick : {true, false}) {
    SCOPED_TRACE(quick ? "quick" : "full");
    const std::string yaml = demo_campaign_yaml(quick, inputs);
    auto c = parse_campaign(yaml, "/elsewhere");
    ASSERT_TRUE(c.ok()) << c.error() << "\n" << yaml;
    EXPECT_EQ(c->name, quick ? "demo-quick" : "demo");
    EXPECT_EQ(c->target.stack_file, inputs.stack);
    EXPECT_EQ(c->video, inputs.video);
    EXPECT_EQ(c->target.functions,
              (std::map<std::string, std::string>{
                  {"classic", "slblur"}, {"http", "slblur-warm"}, {"fork", "slblur-fork"}}));
    EXPECT_EQ(c->frame_step, quick ? 9u : 4u);
    EXPECT_EQ(c->base.codec, "base64");
    EXPECT_EQ(c->timeout, 25s);
    EXPECT_EQ(c->base.ramp_up, 1s);  // users not in step (docs/model.md, the lockstep)
    EXPECT_EQ(c->repetitions, quick ? 1 : kDemoRepetitions);
    EXPECT_EQ(c->warmup_requests, 0u);
    EXPECT_EQ(c->cooldown, quick ? 100ms : 500ms);
    const auto runs = expand(*c);
    EXPECT_EQ(runs.size(), quick ? 12u : 24u * kDemoRepetitions);
    // The full demo is time-boxed (every run the same seconds), the quick one a pass of 5 frames.
    EXPECT_EQ(c->iterations, quick ? 1u : 0u);
    EXPECT_EQ(c->duration, quick ? Micros{0} : std::chrono::seconds(kDemoRunSeconds));
    std::set<std::string> keys;
    std::set<std::uint64_t> users;
    std::set<Micros::rep> thinks;
    std::set<std::string> modes;
    for (const auto& r : runs) {
      keys.insert(r.config.key());
      users.insert(r.config.users);
      thinks.insert(r.config.think.count());
      modes.insert(r.config.mode);
      EXPECT_EQ(r.config.replicas, 1);
    }
    EXPECT_EQ(keys.size() * static_cast<std::size_t>(c->repetitions), runs.size());
    EXPECT_EQ(users,
              quick ? (std::set<std::uint64_t>{1, 2}) : (std::set<std::uint64_t>{1, 2, 4, 8}));
    EXPECT_EQ(thinks, (std::set<Micros::rep>{0, 500000}));
    EXPECT_EQ(modes, (std::set<std::string>{"classic", "http", "fork"}));
  }
}

// The campaigns shipped in experiments/ load, their files exist, and the validation pair
// differs only in the think-time distribution.
TEST(Campaign, TheShippedCampaignsLoadAndExpand) {
  const fs::path dir = fs::path(FAASLAB_TESTDATA_DIR).parent_path() / "experiments";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    auto c = load_campaign(entry.path().string());
    ASSERT_TRUE(c) << entry.path() << ": " << c.error();
    EXPECT_FALSE(expand(*c).empty()) << entry.path();
    EXPECT_TRUE(fs::exists(c->video)) << c->video;
    if (!c->target.external()) {
      EXPECT_TRUE(fs::exists(c->target.stack_file)) << entry.path();
    }
  }
  EXPECT_GE(seen, 2);
  auto constant = load_campaign((dir / "model-validation.yaml").string());
  auto exponential = load_campaign((dir / "model-validation-exponential.yaml").string());
  ASSERT_TRUE(constant && exponential);
  EXPECT_EQ(constant->base.think_dist, "constant");
  EXPECT_EQ(exponential->base.think_dist, "exponential");
  EXPECT_EQ(constant->base.ramp_up, std::chrono::seconds(1));
  const auto a = expand(*constant), b = expand(*exponential);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.size(), 60u);
  // The fork-mode validation: the same grid, in fork mode only.
  auto fork = load_campaign((dir / "model-validation-fork.yaml").string());
  ASSERT_TRUE(fork) << fork.error();
  const auto f = expand(*fork);
  EXPECT_EQ(f.size(), a.size() / 2);
  for (const auto& r : f) EXPECT_EQ(r.config.mode, "fork");
}

}  // namespace
}  // namespace faaslab::experiment
