// A child process driven by blocking calls: its stdin, stdout and stderr as pipes, started
// without a shell from an argv and extra environment (through spawn_process, common/spawn.h,
// the one place that calls posix_spawn), waited for with a deadline, killed (SIGKILL) by the
// destructor if still running, so an early return never leaves a process behind. For the
// runtime's event-driven children see runtime/async_process.h.
//
// A child that cannot be started is an error value, not an exception: started() is false,
// start_error() says why, and wait() returns 127 with the reason in err(), as a shell reports
// a command it cannot run.
//
// Not thread-safe: one thread drives a Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace faaslab {

class Subprocess {
 public:
  // Starts argv[0] (a path) with the current environment plus `env` ("KEY=value" entries).
  // pass_fd: a descriptor to hand over as fd 3 (a listening socket, with LISTEN_FDS=1).
  // own_group: the child leads a new process group, so signal_group() reaches its children.
  Subprocess(std::vector<std::string> argv, std::vector<std::string> env = {}, int pass_fd = -1,
             bool own_group = false);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& start_error() const { return start_error_; }
  pid_t pid() const { return pid_; }  // -1 if it did not start

  // Writes all of `data` to the child's stdin, then closes it.
  void write_stdin_and_close(const std::string& data);

  // Reads stderr until `needle` appears or the deadline passes; returns everything read so far
  // if found, nullopt otherwise.
  std::optional<std::string> wait_for_stderr(const std::string& needle,
                                             std::chrono::milliseconds timeout);

  void signal(int sig);
  // The child's whole process group (own_group only; else the child alone).
  void signal_group(int sig);

  // Waits for exit, collecting the remaining stdout and stderr; kills with SIGKILL at the
  // deadline. Returns the exit code, or 128 + signal number if killed by a signal.
  int wait(std::chrono::milliseconds timeout);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  void drain(int timeout_ms);

  pid_t pid_ = -1;
  bool own_group_ = false;
  int in_fd_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::string start_error_;
  std::optional<int> status_;
};

}  // namespace faaslab
