// A child process driven by an io_context: stdin written, stdout and stderr read and the exit
// observed (through a pidfd) without a thread per child. Used for the classic watchdog's
// process per request and for long-running processes (the http watchdog's upstream, the
// gateway's replicas).
//
// Thread-safety: all methods and callbacks run on the process's strand. Lifetime: owned by
// shared_ptr; pending operations keep it alive; destroying it kills the child (SIGKILL to its
// process group) if it is still running, and reaps it. A child that leads its own process
// group (SpawnOptions::new_process_group) takes the group with it: once it exits, whatever is
// left in the group is killed (seen through wait_exit).
#pragma once

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/spawn.h"

namespace faaslab::runtime {

struct ProcessExit {
  int code = -1;   // exit status if it exited
  int signal = 0;  // terminating signal if killed, else 0
  bool exited() const { return signal == 0 && code >= 0; }
  std::string describe() const;  // "exit status 3", "killed by SIGKILL"
};

class AsyncProcess : public std::enable_shared_from_this<AsyncProcess> {
 public:
  static Result<std::shared_ptr<AsyncProcess>> spawn(boost::asio::io_context& ioc,
                                                     const SpawnOptions& options);
  // A process another one starts and reaps (a fork template's child, watchdog_fork.cpp): its
  // pipes now (taken over; -1 for none), its pid and pidfd once known (attach), its exit when
  // its parent reports it (report_exit). A kill before attach() is remembered and sent then.
  static std::shared_ptr<AsyncProcess> adopt(boost::asio::io_context& ioc, int stdin_fd,
                                             int stdout_fd, int stderr_fd);
  void attach(pid_t pid, int pidfd);
  void report_exit(ProcessExit exit);
  ~AsyncProcess();

  pid_t pid() const { return pid_; }

  // Writes `data` to stdin, then closes it. done(ok) once written (false: the child closed
  // its stdin first, which is not an error for a child that ignores its input).
  void write_stdin(std::string data, std::function<void(bool)> done = {});

  // Reads stdout (or stderr) until EOF, handing each chunk to on_data; then on_eof.
  void read_stdout(std::function<void(std::string_view)> on_data, std::function<void()> on_eof);
  void read_stderr(std::function<void(std::string_view)> on_data, std::function<void()> on_eof);

  // Calls done once the child has exited (and has been reaped).
  void wait_exit(std::function<void(ProcessExit)> done);

  // Stops reading stdout and stderr (their on_eof callbacks run).
  void close_output();

  // Sends a signal to the child's process group (SIGKILL by default). Safe after exit.
  void kill(int signal = 9);
  bool running() const { return !exit_.has_value(); }

  boost::asio::any_io_executor executor() const;

  struct Impl;

 private:
  explicit AsyncProcess(pid_t pid);
  void exited(ProcessExit e);  // on the strand: records it, wakes the waiters
  pid_t pid_;
  bool group_ = true;
  bool adopted_ = false;  // not this process's child: exit reported, never waited for
  int pending_kill_ = 0;  // adopted: a signal asked for before attach()
  std::optional<ProcessExit> exit_;
  std::unique_ptr<Impl> impl_;
};

// Runs a process to completion the way a classic watchdog does: `input` to stdin, stdout (and
// stderr) collected, capped at max_output bytes (beyond it the child is killed), and killed
// after `timeout` (zero: none). done() is called once, on the process's strand.
struct RunOutcome {
  ProcessExit exit;
  std::string out;
  std::string err;  // empty when stderr_to_stdout
  bool timed_out = false;
  bool output_overflow = false;
};
void run_to_completion(boost::asio::io_context& ioc, const SpawnOptions& options, std::string input,
                       std::chrono::microseconds timeout, std::size_t max_output,
                       std::function<void(Result<RunOutcome>)> done);
// The same for a process already started (spawned or adopted).
void run_to_completion(const std::shared_ptr<AsyncProcess>& process, std::string input,
                       std::chrono::microseconds timeout, std::size_t max_output,
                       std::function<void(RunOutcome)> done);

}  // namespace faaslab::runtime
