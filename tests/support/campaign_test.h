// What the campaign tests that run the real `faaslab sweep` share: scratch directories, campaign
// files, a look into the results database through a connection of the test's own, and the
// processes a sweep starts.
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "experiment/results_db.h"
#include "support/test_data.h"

namespace faaslab::testing {

namespace fs = std::filesystem;

inline std::string faaslab_bin() {
  return binary("bin/faaslab");
}

inline std::string repo_root() {
  return fs::path(FAASLAB_TESTDATA_DIR).parent_path().string();
}

// A fresh directory under /tmp, removed with the fixture.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("faaslab-experiment-test-" + std::to_string(::getpid()) + "-" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline fs::path write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

inline int complete_runs(experiment::ResultsDb& db, std::int64_t campaign) {
  auto runs = db.runs(campaign);
  if (!runs) return -1;
  int n = 0;
  for (const auto& r : *runs) n += r.status == experiment::RunStatus::kComplete;
  return n;
}

// Polls `done` every 10 ms until it holds, for at most `timeout`.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A connection of the test's own to a results database (as another process would have one),
// for SQL the library does not offer: integrity checks, counts, locks.
class Sql {
 public:
  explicit Sql(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    } else {
      sqlite3_busy_timeout(db_, 5000);
    }
  }
  ~Sql() { sqlite3_close(db_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  bool ok() const { return db_ != nullptr; }

  // The first column of the first row as text; "error: ..." if the query fails, "" if no row.
  std::string text(const std::string& sql) {
    if (!db_) return "error: not open";
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      out = std::string("error: ") + sqlite3_errmsg(db_);
    } else if (const int rc = sqlite3_step(s); rc == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(s, 0);
      out = p ? reinterpret_cast<const char*>(p) : "NULL";
    } else if (rc != SQLITE_DONE) {
      out = std::string("error: ") + sqlite3_errmsg(db_);
    }
    sqlite3_finalize(s);
    return out;
  }
  // The first column of the first row as a number; -1 on error or no row.
  std::int64_t number(const std::string& sql) {
    const std::string t = text(sql);
    try {
      return t.empty() || t.rfind("error", 0) == 0 ? -1 : std::stoll(t);
    } catch (const std::exception&) {
      return -1;
    }
  }
  // Runs statements; "" on success, else the error.
  std::string exec(const std::string& sql) {
    if (!db_) return "not open";
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    std::string message = rc == SQLITE_OK ? "" : (error ? error : "failed");
    sqlite3_free(error);
    return message;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Requests recorded so far for the newest run of a database being written (0 before there is
// one).
inline std::int64_t requests_of_newest_run(const std::string& db_path) {
  if (!fs::exists(db_path)) return 0;
  Sql sql(db_path);
  const auto n =
      sql.number("SELECT count(*) FROM requests WHERE run_id = (SELECT max(id) FROM runs)");
  return n < 0 ? 0 : n;
}

// --- processes

// A process that exists and is not a zombie (a zombie has exited: it only waits to be reaped).
inline bool process_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z' &&
         line[paren + 2] != 'X';
}

// The command name (/proc/PID/comm: at most 15 characters, "faaslab-watchdo").
inline std::string process_name(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Every descendant of `root` now running (children of each of its threads, recursively).
inline std::vector<pid_t> descendants(pid_t root) {
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  for (std::size_t i = 0; i < todo.size() && i < 10'000; ++i) {
    std::error_code ec;
    for (const auto& task :
         fs::directory_iterator("/proc/" + std::to_string(todo[i]) + "/task", ec)) {
      std::ifstream children(task.path() / "children");
      pid_t child = 0;
      while (children >> child) {
        if (!process_running(child)) continue;
        out.push_back(child);
        todo.push_back(child);
      }
    }
  }
  return out;
}

// The first descendant of `root` named `name`; 0 if none.
inline pid_t descendant_named(pid_t root, const std::string& name) {
  for (pid_t p : descendants(root)) {
    if (process_name(p) == name) return p;
  }
  return 0;
}

}  // namespace faaslab::testing
