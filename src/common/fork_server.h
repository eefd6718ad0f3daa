// The fork server: a function's template process, started once, loads what every request
// needs (a model, warmed) and then forks one child per request; the child handles exactly that
// request with the classic watchdog's contract (body on stdin, response on stdout, CGI
// variables, exit status) and exits, so no state passes from one request to the next and
// every child starts from the template's memory, copy-on-write (the zygote of SOCK, ATC'18).
// The watchdog side is runtime/watchdog_fork.cpp; this file is the protocol both speak and the
// template's loop, for any function binary to use (faaslab-fn, the tests' faaslab-test-fn).
//
// The watchdog starts the template with a SOCK_SEQPACKET Unix socket as fd 3 and
// FAASLAB_FORK_FD=3 in its environment. One message per packet, text, fields separated by one
// space; a run's environment entries follow its first line, each ended by a NUL:
//
//   template -> watchdog   ready <pid> <threads>         once, when it can serve; <threads> is
//                                                        its thread count then (1: fork copies
//                                                        only the calling thread, so a template
//                                                        with more is refused)
//   watchdog -> template   run <id>\n<K=V>\0<K=V>\0...   with three descriptors (SCM_RIGHTS):
//                                                        the child's stdin, stdout and stderr
//   template -> watchdog   started <id> <pid>            with one descriptor: the child's pidfd
//                          failed <id> <reason>          no child (fork failed)
//                          exited <id> <code> <signal>   the child was reaped: its exit code
//                                                        (-1 if killed) and signal (0 if none)
//
// The template ends when the watchdog's end of the socket closes, killing the children still
// running. Ids are the watchdog's, echoed back; it may have many runs in flight.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/result.h"

namespace faaslab::fork_server {

inline constexpr const char* kFdVariable = "FAASLAB_FORK_FD";
inline constexpr std::size_t kMaxMessage = 256 * 1024;  // a run's environment included

// One packet, with the descriptors it carried (the receiver owns and closes them).
struct Message {
  std::string text;
  std::vector<int> fds;
};

// Sends one packet with up to 4 descriptors (they stay open here).
Status send_message(int socket, std::string_view text, std::span<const int> fds = {});
// Receives one packet without blocking (MSG_DONTWAIT).
enum class Receive { kMessage, kClosed, kNothing };  // kClosed: the peer closed its end
struct Received {
  Receive what = Receive::kNothing;
  Message message;
};
Result<Received> receive_message(int socket);

// The parts of a message.
struct Ready {
  pid_t pid = 0;
  int threads = 0;
};
struct Run {
  std::uint64_t id = 0;
  EnvList env;
};
struct Started {
  std::uint64_t id = 0;
  pid_t pid = 0;
};
struct Failed {
  std::uint64_t id = 0;
  std::string reason;
};
struct Exited {
  std::uint64_t id = 0;
  int code = -1;
  int signal = 0;
};
std::string encode(const Ready& m);
std::string encode(const Run& m);
std::string encode(const Started& m);
std::string encode(const Failed& m);
std::string encode(const Exited& m);
// nullopt when `text` is not that message.
std::optional<Ready> decode_ready(std::string_view text);
std::optional<Run> decode_run(std::string_view text);
std::optional<Started> decode_started(std::string_view text);
std::optional<Failed> decode_failed(std::string_view text);
std::optional<Exited> decode_exited(std::string_view text);

// This process's thread count (/proc/self/task), 0 if unknown.
int thread_count();

// The control socket's descriptor when this process was started as a fork template
// (FAASLAB_FORK_FD set), else nullopt; an unusable value is an error.
Result<std::optional<int>> template_fd(const EnvList& env);

// The request's part, run in the child: stdin, stdout and stderr are the request's pipes and
// `env` is the template's environment with the request's variables after it (they are in the
// process's environment too). Returns the child's exit code; stdout and std::cout are
// flushed after it.
using RequestHandler = std::function<int(const EnvList& env)>;

// The template's loop: announces ready, forks a child per run until the watchdog closes the
// socket, then kills what still runs and returns 0 (1 if the socket failed). Call it from a
// single-threaded process, after loading everything the requests share.
int serve(int control_fd, const RequestHandler& handle);

}  // namespace faaslab::fork_server
