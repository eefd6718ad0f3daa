// Faults during a campaign, injected into the real `faaslab sweep` at a moment the test waits
// for (requests recorded in the database, a process seen), never after a fixed sleep: a replica
// killed, the gateway killed, the sweep itself (the load generator, with its embedded gateway)
// killed, the function stopped for longer than its timeout, a full disk, and the database
// locked by another process. Each ends, recovered or with a clear error and a non-zero exit;
// leaves the database consistent (PRAGMA integrity_check) and no process behind; and
// `faaslab sweep --resume` finishes the campaign with every request recorded once.
// docs/experiments.md, "Faults and --resume".
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/subprocess.h"
#include "support/campaign_test.h"
#include "support/test_data.h"

namespace faaslab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::descendant_named;
using testing::descendants;
using testing::faaslab_bin;
using testing::process_running;
using testing::repo_root;
using testing::Sql;
using testing::TempDir;
using testing::wait_until;
using testing::write_file;

constexpr int kFrames = 12;  // requests per user in every run

// A campaign of short runs: every user sends the first kFrames frames of the test video as
// 160x120 JPEGs, 100 ms apart (a run of about 1.5 s, long enough to be hit in its middle), with
// a 5 s timeout; one run per value of `users`. `target` is the target block's body.
std::string campaign(const std::string& name, const std::string& target, const std::string& users,
                     const std::string& workload = "") {
  return "name: " + name + "\ntarget:\n" + target +
         "workload:\n  video: " + testing::video_path().string() +
         "\n  frames: " + std::to_string(kFrames) +
         "\n  codec: jpeg\n  frame_size: 160x120\n  think: 100ms\n  timeout: 5s\n" + workload +
         "grid:\n  users: " + users + "\n";
}

// The embedded runtime, running `function` of `stack` (the repository's by default: the warm
// function, an http-mode watchdog and one faaslab-fn behind it) for every run.
std::string embedded(const std::string& stack = repo_root() + "/deploy/stack.yml",
                     const std::string& function = "slblur-warm") {
  return "  stack: " + stack + "\n  function: " + function + "\n";
}
const std::string kHttpMode = "  mode: http\n";

// Requests recorded so far for the run with `users` users (0 before it exists).
std::int64_t requests_of_run(const std::string& db, int users) {
  if (!fs::exists(db)) return 0;
  Sql sql(db);
  const auto n = sql.number(
      "SELECT count(*) FROM requests WHERE run_id = (SELECT id FROM runs "
      "WHERE users = " +
      std::to_string(users) + ")");
  return n < 0 ? 0 : n;
}

bool all_gone(const std::vector<pid_t>& pids) {
  return std::none_of(pids.begin(), pids.end(), process_running);
}

std::string names(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids)
    out += std::to_string(p) + " " + testing::process_name(p) +
           (process_running(p) ? "" : " (gone)") + "; ";
  return out;
}

// The newest and only campaign of `db` is complete and whole: one complete run per value of
// `users`, each with exactly users × kFrames requests, no request, run or summary recorded
// twice, no row left of a run that was removed; and the file passes its integrity check.
void expect_whole_campaign(const std::string& db, const std::vector<int>& users) {
  Sql sql(db);
  ASSERT_TRUE(sql.ok()) << db;
  const auto runs = static_cast<std::int64_t>(users.size());
  EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(sql.number("SELECT count(*) FROM campaigns"), 1) << "resume continues the campaign";
  EXPECT_EQ(sql.text("SELECT status FROM campaigns"), "complete");
  EXPECT_EQ(sql.number("SELECT count(*) FROM runs"), runs);
  EXPECT_EQ(sql.number("SELECT count(*) FROM runs WHERE status = 'complete'"), runs);
  EXPECT_EQ(sql.number("SELECT count(DISTINCT config_key || '#' || repetition) FROM runs"), runs)
      << "a run recorded twice";
  for (int u : users) {
    EXPECT_EQ(sql.number("SELECT count(*) FROM requests WHERE run_id = (SELECT id FROM runs WHERE "
                         "users = " +
                         std::to_string(u) + ")"),
              u * kFrames)
        << "users=" << u;
  }
  EXPECT_EQ(sql.number("SELECT count(*) FROM (SELECT 1 FROM requests GROUP BY run_id, user, "
                       "sequence, iteration HAVING count(*) > 1)"),
            0)
      << "a request recorded twice";
  for (const char* table : {"requests", "events"}) {
    EXPECT_EQ(sql.number(std::string("SELECT count(*) FROM ") + table +
                         " WHERE run_id NOT IN (SELECT id FROM runs)"),
              0)
        << table << " of a run that is gone";
  }
  EXPECT_EQ(sql.number("SELECT count(*) FROM (SELECT 1 FROM summaries GROUP BY scope, run_id, "
                       "campaign_id, config_key, label HAVING count(*) > 1)"),
            0)
      << "a summary recorded twice";
  // Each run's overall summary counts exactly its requests; one per configuration too.
  EXPECT_EQ(sql.number("SELECT count(*) FROM summaries s JOIN runs r ON s.run_id = r.id WHERE "
                       "s.scope = 'run' AND s.label = '*' AND s.count = (SELECT count(*) FROM "
                       "requests q WHERE q.run_id = r.id)"),
            runs);
  EXPECT_EQ(sql.number("SELECT count(*) FROM summaries WHERE scope = 'config' AND label = '*'"),
            runs);
}

// `faaslab up` with the repository's warm function, auth off, on `port` (0: any free one).
class GatewayProcess {
 public:
  GatewayProcess(const fs::path& dir, std::uint16_t port)
      : process_({faaslab_bin(), "up", "-f", repo_root() + "/deploy/stack.yml", "--filter",
                  "slblur-warm", "--port", std::to_string(port), "--no-auth", "--secrets-dir",
                  (dir / "secrets").string()}) {
    if (auto log = process_.wait_for_stderr("gateway ready on", 30s))
      port_ = testing::ready_port(*log, "gateway ready on 127.0.0.1:");
  }
  ~GatewayProcess() {
    process_.signal(SIGTERM);
    process_.wait(30s);
  }
  std::uint16_t port() const { return port_; }
  Subprocess& process() { return process_; }

 private:
  Subprocess process_;
  std::uint16_t port_ = 0;
};

// Sends SIGCONT when the test ends, however it ends: a process left stopped never exits.
struct ContinueAtExit {
  pid_t pid;
  ~ContinueAtExit() { ::kill(pid, SIGCONT); }
};

// An http-mode function (faaslab-fn, listening on the `port` of its environment) has a
// request it has not read: a connection to its port with bytes waiting (/proc/net/tcp).
bool unread_request(pid_t function) {
  std::ifstream environ("/proc/" + std::to_string(function) + "/environ");
  std::string entry;
  unsigned port = 0;
  while (std::getline(environ, entry, '\0')) {
    if (entry.rfind("port=", 0) == 0) port = static_cast<unsigned>(std::stoul(entry.substr(5)));
  }
  if (port == 0) return false;
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // the header
  while (std::getline(tcp, line)) {
    // "  3: 0100007F:1F92 0100007F:C2A4 01 00000000:000001A3 ...": local, remote, state, queues
    std::istringstream in(line);
    std::string slot, local, remote, state, queues;
    in >> slot >> local >> remote >> state >> queues;
    if (state != "01" || local.size() < 5 || queues.size() < 17) continue;  // ESTABLISHED only
    if (std::stoul(local.substr(local.find(':') + 1), nullptr, 16) != port) continue;
    if (std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16) > 0) return true;
  }
  return false;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Faults, AKilledReplicaIsReplacedAndTheRequestsItWasServingAreRecordedAsFailures) {
  TempDir dir("replica");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("replica", embedded(), "[2]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 2) >= 4; }, 60s))
      << "the run did not get going: " << sweep.err();
  const pid_t watchdog = descendant_named(sweep.pid(), "faaslab-watchdo");
  ASSERT_NE(watchdog, 0) << names(descendants(sweep.pid()));
  const pid_t function = descendant_named(watchdog, "faaslab-fn");
  ASSERT_NE(function, 0) << names(descendants(sweep.pid()));
  // Killed while it serves a request: its function is held still until a request has reached
  // it, let go, and at once the replica (its watchdog) is killed. (Killed while the function is
  // stopped, the kernel would end the function itself: an orphaned process group with a stopped
  // member gets SIGHUP.)
  ASSERT_EQ(::kill(function, SIGSTOP), 0);
  ContinueAtExit continue_it{function};
  ASSERT_TRUE(wait_until([&] { return unread_request(function); }, 10s)) << "no request came";
  ASSERT_EQ(::kill(function, SIGCONT), 0);
  ASSERT_EQ(::kill(watchdog, SIGKILL), 0);

  ASSERT_EQ(sweep.wait(60s), 0) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), "1 replica crash")) << "the run's line reports it: " << sweep.err();
  EXPECT_TRUE(wait_until([&] { return !process_running(function); }, 10s))
      << "the killed replica's function lives on: " << names({function});
  Sql sql(db);
  EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
  // The pool replaced it: its crash, then a second replica ready.
  EXPECT_EQ(sql.number("SELECT count(*) FROM events WHERE kind = 'crash'"), 1);
  EXPECT_EQ(sql.number("SELECT count(*) FROM events WHERE kind = 'ready'"), 2);
  // Every request is recorded; those the killed replica was serving (at least the one seen,
  // at most one per user) failed, as the gateway answered them: 502.
  EXPECT_EQ(sql.number("SELECT count(*) FROM requests"), 2 * kFrames);
  const auto failed = sql.number("SELECT count(*) FROM requests WHERE status != 200");
  EXPECT_GE(failed, 1);
  EXPECT_LE(failed, 2) << sql.text(
      "SELECT group_concat(status || ' ' || outcome || ' ' || error, "
      "'; ') FROM requests WHERE status != 200");
  EXPECT_EQ(sql.number("SELECT count(*) FROM requests WHERE status != 200 AND NOT (status = 502 "
                       "AND outcome = 'http_error')"),
            0)
      << sql.text(
             "SELECT group_concat(status || ' ' || outcome || ' ' || error, '; ') FROM "
             "requests WHERE status != 200");
  EXPECT_NEAR(std::stod(sql.text("SELECT success_rate FROM summaries WHERE scope = 'run' AND "
                                 "label = '*'")),
              static_cast<double>(2 * kFrames - failed) / (2 * kFrames), 1e-9);

  Subprocess resume({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(resume.wait(60s), 0) << resume.err();
  EXPECT_TRUE(has(resume.out(), "0 runs completed, 1 already complete, 0 failed")) << resume.out();
  expect_whole_campaign(db, {2});
}

TEST(Faults, AKilledGatewayFailsItsRunLeavesNoReplicasAndResumeRunsItAgain) {
  TempDir dir("gateway");
  auto gateway = std::make_unique<GatewayProcess>(dir.path(), 0);
  const std::uint16_t port = gateway->port();
  ASSERT_NE(port, 0) << gateway->process().err();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const auto file = write_file(
      dir.path() / "c.yaml",
      campaign("gateway", "  url: " + url + "/function/slblur-warm\n  gateway: " + url + "\n",
               "[1, 2]"));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 1) >= 3; }, 60s)) << sweep.err();
  const auto replicas = descendants(gateway->process().pid());
  ASSERT_EQ(replicas.size(), 2u) << "a watchdog and its function: " << names(replicas);
  gateway->process().signal(SIGKILL);
  gateway->process().wait(10s);

  // The sweep sees its target gone: the run fails, the campaign stops, saying how to go on.
  EXPECT_EQ(sweep.wait(60s), 1) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), "the target stopped answering during the run")) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), url)) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), "--resume")) << sweep.err();
  EXPECT_TRUE(wait_until([&] { return all_gone(replicas); }, 20s))
      << "replicas of the killed gateway live on: " << names(replicas);
  {
    Sql sql(db);
    EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sql.text("SELECT status FROM campaigns"), "failed");
    EXPECT_EQ(sql.number("SELECT count(*) FROM runs"), 1) << "the campaign stopped at the run";
    EXPECT_EQ(sql.text("SELECT status FROM runs"), "failed");
    EXPECT_TRUE(has(sql.text("SELECT error FROM runs"), "stopped answering"));
  }

  // The gateway back on its port: --resume runs the failed run again, then the other.
  gateway = std::make_unique<GatewayProcess>(dir.path(), port);
  ASSERT_EQ(gateway->port(), port) << gateway->process().err();
  Subprocess resume({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(resume.wait(60s), 0) << resume.err();
  EXPECT_TRUE(has(resume.out(), "2 runs completed, 0 already complete, 0 failed")) << resume.out();
  expect_whole_campaign(db, {1, 2});
}

TEST(Faults, AKilledSweepLeavesNoProcessesAndResumeRedoesOnlyTheRunItInterrupted) {
  TempDir dir("sweep");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("killed", embedded(), "[1, 2]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  // In the middle of run 2: its gateway (in the sweep's process), replica and load all killed.
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 2) >= 3; }, 60s)) << sweep.err();
  const auto processes = descendants(sweep.pid());
  ASSERT_EQ(processes.size(), 2u) << "a watchdog and its function: " << names(processes);
  const pid_t killed = sweep.pid();
  sweep.signal(SIGKILL);
  sweep.wait(10s);
  EXPECT_TRUE(wait_until([&] { return all_gone(processes); }, 20s))
      << "the killed sweep's replicas live on: " << names(processes);
  {
    Sql sql(db);
    EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sql.text("SELECT status FROM runs WHERE users = 1"), "complete");
    EXPECT_EQ(sql.text("SELECT status FROM runs WHERE users = 2"), "running");
    EXPECT_GE(sql.number("SELECT count(*) FROM requests WHERE run_id = (SELECT id FROM runs WHERE "
                         "users = 2)"),
              3)
        << "the interrupted run's requests so far were on disk";
  }

  Subprocess resume({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(resume.wait(60s), 0) << resume.err();
  EXPECT_TRUE(has(resume.out(), "1 runs completed, 1 already complete, 0 failed")) << resume.out();
  expect_whole_campaign(db, {1, 2});
  EXPECT_FALSE(fs::exists(fs::temp_directory_path() / ("faaslab-sweep-" + std::to_string(killed))))
      << "what the killed sweep left in the temporary directory is cleared";
}

TEST(Faults, AFunctionStoppedPastItsTimeoutFailsThoseRequestsWithoutHangingTheCampaign) {
  TempDir dir("stopped");
  // The warm function with a 1 s exec_timeout: its watchdog answers 504 after 1 s.
  const auto stack = write_file(dir.path() / "stack.yml",
                                "version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  quick:\n"
                                "    fprocess: faaslab-fn\n    environment:\n      mode: http\n"
                                "      upstream_url: http://127.0.0.1:8082\n"
                                "      ready_path: /_/health\n      exec_timeout: 1s\n");
  const auto file =
      write_file(dir.path() / "c.yaml",
                 campaign("stopped", embedded(stack.string(), "quick"), "[1]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 1) >= 2; }, 60s)) << sweep.err();
  const pid_t function = descendant_named(sweep.pid(), "faaslab-fn");
  ASSERT_NE(function, 0) << names(descendants(sweep.pid()));
  ASSERT_EQ(::kill(function, SIGSTOP), 0);
  ContinueAtExit resume_it{function};
  // Stopped past its timeout twice over: two requests answered 504.
  ASSERT_TRUE(wait_until(
      [&] {
        Sql sql(db);
        return sql.number("SELECT count(*) FROM requests WHERE status = 504") >= 2;
      },
      30s))
      << sweep.err();
  ::kill(function, SIGCONT);

  ASSERT_EQ(sweep.wait(60s), 0) << sweep.err();
  Sql sql(db);
  EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(sql.number("SELECT count(*) FROM requests"), kFrames);
  EXPECT_EQ(
      sql.number("SELECT count(*) FROM requests WHERE status = 504 AND outcome != 'http_error'"),
      0);
  // Each answered at the timeout, not after the stop: no request waited 3 s.
  EXPECT_EQ(sql.number("SELECT count(*) FROM requests WHERE latency_us > 3000000"), 0)
      << sql.text("SELECT max(latency_us) FROM requests");
  // Continued, the function served the rest.
  EXPECT_GE(sql.number("SELECT count(*) FROM requests WHERE status = 200 AND start_us > (SELECT "
                       "max(start_us) FROM requests WHERE status = 504)"),
            1);
  EXPECT_EQ(sql.number("SELECT count(*) FROM requests WHERE status NOT IN (200, 504)"), 0);

  Subprocess again({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(again.wait(60s), 0) << again.err();
  expect_whole_campaign(db, {1});
}

// After a sweep stopped by a full disk: the error named the database and the cause, the file is
// consistent, no complete run lacks a request; with room again, --resume finishes the campaign.
void expect_stopped_then_resumed(const Subprocess& sweep, const std::string& db_named,
                                 const std::string& cause, const fs::path& file,
                                 const std::string& db) {
  EXPECT_TRUE(has(sweep.err(), "results database " + db_named)) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), cause)) << sweep.err();
  EXPECT_TRUE(has(sweep.err(), "--resume")) << sweep.err();
  {
    Sql sql(db);
    EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
    EXPECT_NE(sql.text("SELECT status FROM campaigns"), "complete");
    EXPECT_EQ(sql.number("SELECT count(*) FROM runs r WHERE status = 'complete' AND (SELECT "
                         "count(*) FROM requests q WHERE q.run_id = r.id) != r.users * " +
                         std::to_string(kFrames)),
              0)
        << "a run recorded as complete is whole";
  }
  Subprocess resume({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(resume.wait(60s), 0) << resume.err();
  expect_whole_campaign(db, {1, 2});
}

TEST(Faults, AFullDiskStopsTheCampaignWithAClearErrorAndResumeFinishesIt) {
  TempDir dir("full");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("full", embedded(), "[1, 2]", kHttpMode));
  // The database on a 192 KiB tmpfs, mounted in a mount namespace of the sweep's own (a user
  // namespace makes that possible without root), copied out when the sweep has ended.
  const auto disk = dir.path() / "disk";
  const auto saved = dir.path() / "saved";
  fs::create_directories(disk);
  fs::create_directories(saved);
  Subprocess probe({"/usr/bin/unshare", "-rm", "/bin/sh", "-c",
                    "mount -t tmpfs -o size=192k tmpfs \"$0\"", disk.string()});
  if (probe.wait(10s) != 0) GTEST_SKIP() << "no mount namespace here: " << probe.err();

  const std::string db_on_disk = (disk / "c.db").string();
  Subprocess sweep({"/usr/bin/unshare", "-rm", "/bin/sh", "-c",
                    "mount -t tmpfs -o size=192k tmpfs \"$1\" || exit 99\n"
                    "\"$0\" sweep -f \"$2\" --db \"$1/c.db\"; code=$?\n"
                    "cp \"$1\"/c.db* \"$3\"/ && exit $code",
                    faaslab_bin(), disk.string(), file.string(), saved.string()});
  EXPECT_EQ(sweep.wait(60s), 1) << sweep.err();
  expect_stopped_then_resumed(sweep, db_on_disk, "no space left on the disk", file,
                              (saved / "c.db").string());
}

TEST(Faults, AFileSizeLimitStopsTheCampaignWithAClearErrorAndResumeFinishesIt) {
  TempDir dir("fsize");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("fsize", embedded(), "[1, 2]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  // Writes past 100 KiB fail (EFBIG, or a short write SQLite reports as a full disk), as on a
  // full disk. SIGXFSZ is ignored so the write fails instead of killing the process.
  Subprocess sweep({"/bin/sh", "-c",
                    "trap '' XFSZ; ulimit -f 200; exec \"$0\" sweep -f \"$1\" --db \"$2\"",
                    faaslab_bin(), file.string(), db});
  EXPECT_EQ(sweep.wait(60s), 1) << sweep.err();
  expect_stopped_then_resumed(sweep, db, "the file size limit is reached", file, db);
}

TEST(Faults, ADatabaseLockedBrieflyIsWaitedFor) {
  TempDir dir("brief-lock");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("brief", embedded(), "[1]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 1) >= 2; }, 60s)) << sweep.err();
  {
    // Another process writing: its lock held for 2 s, under the sweep's 5 s busy timeout. (The
    // sleep is the fault's length, not a synchronisation.)
    Sql other(db);
    ASSERT_EQ(other.exec("BEGIN EXCLUSIVE"), "");
    std::this_thread::sleep_for(2s);
    ASSERT_EQ(other.exec("COMMIT"), "");
  }
  ASSERT_EQ(sweep.wait(60s), 0) << sweep.err();
  expect_whole_campaign(db, {1});
}

TEST(Faults, ADatabaseLockedForLongerStopsTheSweepNamingTheLockAndResumeFinishesIt) {
  TempDir dir("lock");
  const auto file =
      write_file(dir.path() / "c.yaml", campaign("locked", embedded(), "[1, 2]", kHttpMode));
  const auto db = (dir.path() / "c.db").string();
  Subprocess sweep({faaslab_bin(), "sweep", "-f", file.string(), "--db", db});
  ASSERT_TRUE(wait_until([&] { return requests_of_run(db, 1) >= 2; }, 60s)) << sweep.err();
  auto other = std::make_unique<Sql>(db);
  ASSERT_EQ(other->exec("BEGIN EXCLUSIVE"), "");

  // The sweep gives up after its busy timeout, naming the database and the lock.
  EXPECT_EQ(sweep.wait(60s), 1) << sweep.err();
  for (const std::string& part :
       {"results database " + db, std::string("database is locked"),
        std::string("another process holds a lock"), std::string("--resume")})
    EXPECT_TRUE(has(sweep.err(), part)) << part << " in: " << sweep.err();
  // So does --resume while the lock is held, changing nothing.
  Subprocess blocked({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  EXPECT_EQ(blocked.wait(60s), 1) << blocked.err();
  EXPECT_TRUE(has(blocked.err(), "database is locked")) << blocked.err();
  ASSERT_EQ(other->exec("ROLLBACK"), "");
  other.reset();
  {
    Sql sql(db);
    EXPECT_EQ(sql.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sql.number("SELECT count(*) FROM runs WHERE status = 'complete'"), 0);
  }

  // Released: --resume finishes the campaign.
  Subprocess resume({faaslab_bin(), "sweep", "-f", file.string(), "--db", db, "--resume", "-q"});
  ASSERT_EQ(resume.wait(60s), 0) << resume.err();
  EXPECT_TRUE(has(resume.out(), "2 runs completed, 0 already complete, 0 failed")) << resume.out();
  expect_whole_campaign(db, {1, 2});
}

}  // namespace
}  // namespace faaslab
