#include "common/fork_server.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>

extern char** environ;

namespace faaslab::fork_server {
namespace {

constexpr std::size_t kMaxFds = 4;

Error errno_error(const char* what) {
  return make_error(std::string(what) + ": " + std::strerror(errno), Errc::kUnavailable);
}

// "word rest..." -> rest after "word ", or nullopt.
std::optional<std::string_view> after_word(std::string_view text, std::string_view word) {
  if (text.size() <= word.size() || text.compare(0, word.size(), word) != 0 ||
      text[word.size()] != ' ')
    return std::nullopt;
  return text.substr(word.size() + 1);
}

// The next space-separated field as an integer; advances `text`.
template <class T>
bool take_number(std::string_view& text, T& value) {
  const std::size_t end = std::min(text.find(' '), text.size());
  const auto [p, ec] = std::from_chars(text.data(), text.data() + end, value);
  if (ec != std::errc() || p != text.data() + end || end == 0) return false;
  text.remove_prefix(std::min(end + 1, text.size()));
  return true;
}

}  // namespace

Status send_message(int socket, std::string_view text, std::span<const int> fds) {
  if (fds.size() > kMaxFds) return make_error("too many descriptors for one message");
  if (text.size() > kMaxMessage) return make_error("message over 256 KiB", Errc::kTooLarge);
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(socket, &msg, MSG_NOSIGNAL) >= 0) return Ok{};
    if (errno != EINTR) return errno_error("sendmsg");
  }
}

Result<Received> receive_message(int socket) {
  // One buffer per thread, not 256 KiB zeroed per message.
  thread_local std::vector<char> buffer(kMaxMessage + 1);
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  Received r;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return r;
    return errno_error("recvmsg");
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      r.message.fds.push_back(fd);
    }
  }
  if (n == 0 && r.message.fds.empty()) {
    r.what = Receive::kClosed;  // SOCK_SEQPACKET: a zero-length read is the peer's close
    return r;
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      static_cast<std::size_t>(n) > kMaxMessage) {
    for (int fd : r.message.fds) ::close(fd);
    return make_error("message over 256 KiB or with too many descriptors", Errc::kTooLarge);
  }
  r.message.text.assign(buffer.data(), static_cast<std::size_t>(n));
  r.what = Receive::kMessage;
  return r;
}

std::string encode(const Ready& m) {
  return "ready " + std::to_string(m.pid) + " " + std::to_string(m.threads);
}

std::string encode(const Run& m) {
  std::string text = "run " + std::to_string(m.id) + "\n";
  for (const auto& entry : m.env) {
    text += entry;
    text += '\0';
  }
  return text;
}

std::string encode(const Started& m) {
  return "started " + std::to_string(m.id) + " " + std::to_string(m.pid);
}

std::string encode(const Failed& m) {
  return "failed " + std::to_string(m.id) + " " + m.reason;
}

std::string encode(const Exited& m) {
  return "exited " + std::to_string(m.id) + " " + std::to_string(m.code) + " " +
         std::to_string(m.signal);
}

std::optional<Ready> decode_ready(std::string_view text) {
  auto rest = after_word(text, "ready");
  Ready m;
  if (!rest || !take_number(*rest, m.pid) || !take_number(*rest, m.threads) || !rest->empty())
    return std::nullopt;
  return m;
}

std::optional<Run> decode_run(std::string_view text) {
  auto rest = after_word(text, "run");
  if (!rest) return std::nullopt;
  const std::size_t nl = rest->find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view id_text = rest->substr(0, nl);
  Run m;
  if (!take_number(id_text, m.id) || !id_text.empty()) return std::nullopt;
  std::string_view env = rest->substr(nl + 1);
  while (!env.empty()) {
    const std::size_t end = env.find('\0');
    if (end == std::string_view::npos) return std::nullopt;  // every entry ends with a NUL
    const std::string_view entry = env.substr(0, end);
    if (entry.find('=') == std::string_view::npos || entry.front() == '=') return std::nullopt;
    m.env.emplace_back(entry);
    env.remove_prefix(end + 1);
  }
  return m;
}

std::optional<Started> decode_started(std::string_view text) {
  auto rest = after_word(text, "started");
  Started m;
  if (!rest || !take_number(*rest, m.id) || !take_number(*rest, m.pid) || !rest->empty())
    return std::nullopt;
  return m;
}

std::optional<Failed> decode_failed(std::string_view text) {
  auto rest = after_word(text, "failed");
  Failed m;
  if (!rest || !take_number(*rest, m.id)) return std::nullopt;
  m.reason = std::string(*rest);
  return m;
}

std::optional<Exited> decode_exited(std::string_view text) {
  auto rest = after_word(text, "exited");
  Exited m;
  if (!rest || !take_number(*rest, m.id) || !take_number(*rest, m.code) ||
      !take_number(*rest, m.signal) || !rest->empty())
    return std::nullopt;
  return m;
}

int thread_count() {
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

Result<std::optional<int>> template_fd(const EnvList& env) {
  const auto value = Env(env).get(kFdVariable);
  if (!value) return std::optional<int>();
  int fd = -1;
  const auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), fd);
  if (ec != std::errc() || p != value->data() + value->size() || fd < 0)
    return make_error(std::string(kFdVariable) + "='" + *value + "' is not a descriptor");
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET)
    return make_error(std::string(kFdVariable) + "=" + *value +
                      " is not a SOCK_SEQPACKET socket: start this process from a watchdog in "
                      "fork mode");
  return std::optional<int>(fd);
}

namespace {

// The child's side of a run: the request's pipes as 0, 1, 2, its variables in the
// environment, the handler, then _exit: nothing of the template's (its atexit handlers, its
// objects' destructors, stdio buffers it never filled) runs twice.
[[noreturn]] void run_child(int control_fd, int signal_fd, const sigset_t& old_mask, const Run& run,
                            const std::vector<int>& fds, const RequestHandler& handle) {
  ::close(control_fd);
  ::close(signal_fd);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::setpgid(0, 0);  // a group of its own, so a timeout's kill takes what it started too
  for (int i = 0; i < 3; ++i) {
    if (::dup2(fds[static_cast<std::size_t>(i)], i) < 0) ::_exit(3);
  }
  for (int fd : fds)
    if (fd > 2) ::close(fd);
  EnvList env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& entry : run.env) {
    const std::size_t eq = entry.find('=');
    ::setenv(entry.substr(0, eq).c_str(), entry.c_str() + eq + 1, 1);
    env.push_back(entry);
  }
  int code = 3;
  try {
    code = handle(env);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fork child: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "fork child: unknown exception\n");
  }
  // Both kinds of stream: with sync_with_stdio(false) std::cout has a buffer of its own.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(code);
}

}  // namespace

int serve(int control_fd, const RequestHandler& handle) {
  // SIGCHLD through a signalfd, polled with the control socket: one thread, no handler.
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, &old_mask);
  const int signal_fd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    std::perror("fork template: signalfd");
    return 1;
  }
  auto say = [&](const std::string& text, std::span<const int> fds = {}) {
    if (auto st = send_message(control_fd, text, fds); !st)
      std::fprintf(stderr, "fork template: %s\n", st.error().c_str());
  };
  say(encode(Ready{::getpid(), thread_count()}));

  std::map<pid_t, std::uint64_t> children;  // running -> their run's id
  auto reap = [&] {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      const auto it = children.find(pid);
      if (it == children.end()) continue;
      Exited e{it->second, -1, 0};
      if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
      children.erase(it);
      say(encode(e));
    }
  };

  int result = 0;
  for (;;) {
    pollfd fds[2] = {{control_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::perror("fork template: poll");
      result = 1;
      break;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      signalfd_siginfo info;
      while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
      reap();
    }
    if (fds[0].revents == 0) continue;
    auto received = receive_message(control_fd);
    if (!received) {
      std::fprintf(stderr, "fork template: %s\n", received.error().c_str());
      result = 1;
      break;
    }
    if (received->what == Receive::kNothing) continue;
    if (received->what == Receive::kClosed) break;
    Message& m = received->message;
    const auto run = decode_run(m.text);
    if (!run || m.fds.size() != 3) {
      std::fprintf(stderr, "fork template: ignored a message that is not a run with 3 fds\n");
      for (int fd : m.fds) ::close(fd);
      continue;
    }
    const pid_t pid = ::fork();
    if (pid == 0) run_child(control_fd, signal_fd, old_mask, *run, m.fds, handle);
    for (int fd : m.fds) ::close(fd);
    if (pid < 0) {
      say(encode(Failed{run->id, std::string("fork: ") + std::strerror(errno)}));
      continue;
    }
    children.emplace(pid, run->id);
    // Opened before the child can be reaped (only this loop reaps), so it names this child.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
      const int one[1] = {pidfd};
      say(encode(Started{run->id, pid}), one);
      ::close(pidfd);
    } else {
      say(encode(Started{run->id, pid}));
    }
  }
  // The watchdog is gone: nobody reads what the children write.
  for (const auto& [pid, id] : children) ::kill(-pid, SIGKILL), ::kill(pid, SIGKILL);
  for (const auto& [pid, id] : children) ::waitpid(pid, nullptr, 0);
  ::close(signal_fd);
  return result;
}

}  // namespace faaslab::fork_server
