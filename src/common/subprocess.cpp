#include "common/subprocess.h"

#include "common/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;  // NOLINT

namespace faaslab {

Subprocess::Subprocess(std::vector<std::string> argv, std::vector<std::string> env, int pass_fd,
                       bool own_group)
    : own_group_(own_group) {
  // A child that exits before reading all its input must not kill the caller with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  SpawnOptions options;
  options.argv = std::move(argv);
  for (char** e = environ; *e; ++e) options.env.emplace_back(*e);
  for (auto& e : env) options.env.push_back(std::move(e));
  options.new_process_group = own_group;
  options.pass_fd = pass_fd;
  auto spawned = spawn_process(options);
  if (!spawned) {
    start_error_ = spawned.error();
    err_ = "cannot start " + (options.argv.empty() ? std::string("(nothing)") : options.argv[0]) +
           ": " + start_error_ + "\n";
    status_ = 127 << 8;  // exited with 127, as a shell reports a command it cannot run
    return;
  }
  pid_ = spawned->pid;
  in_fd_ = spawned->stdin_fd;
  out_fd_ = spawned->stdout_fd;
  err_fd_ = spawned->stderr_fd;
}

Subprocess::~Subprocess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
  for (int fd : {in_fd_, out_fd_, err_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void Subprocess::write_stdin_and_close(const std::string& data) {
  if (in_fd_ < 0) return;
  std::size_t at = 0;
  while (at < data.size()) {
    const ssize_t n = ::write(in_fd_, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // child closed its stdin
    at += static_cast<std::size_t>(n);
  }
  close(in_fd_);
  in_fd_ = -1;
}

void Subprocess::drain(int timeout_ms) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
    if (n > 0) (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
    if (n == 0) {
      close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    }
  }
}

std::optional<std::string> Subprocess::wait_for_stderr(const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (err_.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (out_fd_ < 0 && err_fd_ < 0)) return std::nullopt;
    if (err_fd_ < 0 && out_fd_ >= 0) {
      drain(static_cast<int>(left.count()));
      continue;
    }
    drain(static_cast<int>(std::min<long>(left.count(), 50)));
  }
  return err_;
}

void Subprocess::signal(int sig) {
  if (!status_ && pid_ > 0) ::kill(pid_, sig);
}

void Subprocess::signal_group(int sig) {
  if (pid_ <= 0) return;
  if (!own_group_) return signal(sig);
  // Also after the leader exited: its children may live on in the group.
  ::kill(-pid_, sig);
}

int Subprocess::wait(std::chrono::milliseconds timeout) {
  if (in_fd_ >= 0) {
    close(in_fd_);
    in_fd_ = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int st = 0;
    const pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
      status_ = st;
      break;
    }
    drain(10);
  }
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    const std::size_t before = out_.size() + err_.size();
    drain(100);
    if (out_.size() + err_.size() == before) break;
  }
  return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
}

}  // namespace faaslab
