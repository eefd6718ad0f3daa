#include "common/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace faaslab {
namespace {

struct Pipe {
  int read = -1, write = -1;
  ~Pipe() { close_both(); }
  void close_both() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
    read = write = -1;
  }
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  int take_read() { return std::exchange(read, -1); }
  int take_write() { return std::exchange(write, -1); }
};

}  // namespace

Result<SpawnedProcess> spawn_process(const SpawnOptions& options) {
  if (options.argv.empty()) return make_error("empty command");
  Pipe in, out, err;
  if ((options.pipe_stdin && !in.open()) || (options.pipe_stdout && !out.open()) ||
      (options.pipe_stderr && !options.stderr_to_stdout && !err.open())) {
    return make_error(std::string("cannot create pipes: ") + std::strerror(errno),
                      Errc::kUnavailable);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.pipe_stdin) {
    posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (options.pipe_stdout) posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  if (options.stderr_to_stdout && options.pipe_stdout) {
    posix_spawn_file_actions_adddup2(&actions, out.write, 2);
  } else if (options.pipe_stderr) {
    posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  }
  if (options.pass_fd >= 0) posix_spawn_file_actions_adddup2(&actions, options.pass_fd, 3);
  // Nothing else the parent has open reaches the child. Boost.Asio opens sockets without
  // close-on-exec, so without this every replica held the gateway's listening socket and other
  // clients' connections (a function could accept on the gateway's port), and an http function
  // its watchdog's: when the gateway or a watchdog was killed, its port kept accepting
  // connections nobody would ever answer.
  posix_spawn_file_actions_addclosefrom_np(&actions, options.pass_fd >= 0 ? 4 : 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> args, envp;
  for (const auto& a : options.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  SpawnedProcess p;
  const int rc = posix_spawn(&p.pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return make_error("cannot run " + options.argv[0] + ": " + std::strerror(rc),
                      rc == ENOENT || rc == EACCES ? Errc::kInvalidArgument : Errc::kUnavailable);
  }
  p.stdin_fd = in.take_write();
  p.stdout_fd = out.take_read();
  p.stderr_fd = err.take_read();
  return p;
}

void kill_process(pid_t pid, int signal, bool group) {
  if (pid <= 0) return;
  if (group && ::kill(-pid, signal) == 0) return;
  ::kill(pid, signal);
}

}  // namespace faaslab
