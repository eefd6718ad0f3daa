#include "runtime/async_process.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstring>
#include <optional>

namespace faaslab::runtime {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;
using Strand = asio::strand<asio::io_context::executor_type>;

std::string ProcessExit::describe() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return std::string("killed by SIG") + (name ? name : std::to_string(signal));
  }
  return "exit status " + std::to_string(code);
}

struct AsyncProcess::Impl {
  explicit Impl(asio::io_context& ioc)
      : strand(asio::make_strand(ioc)), in(strand), out(strand), err(strand), pidfd(strand) {}
  Strand strand;
  Descriptor in, out, err, pidfd;
  std::vector<std::function<void(ProcessExit)>> exit_waiters;
  bool watching_exit = false;
};

namespace {

int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Reads a descriptor until EOF or error, on its strand.
void read_loop(std::shared_ptr<AsyncProcess> keep, Descriptor& d,
               std::shared_ptr<std::array<char, 65536>> buf,
               std::function<void(std::string_view)> on_data, std::function<void()> on_eof) {
  d.async_read_some(
      asio::buffer(*buf), [keep, &d, buf, on_data = std::move(on_data), on_eof = std::move(on_eof)](
                              boost::system::error_code ec, std::size_t n) mutable {
        if (n > 0 && on_data) on_data(std::string_view(buf->data(), n));
        if (ec) {
          boost::system::error_code ignored;
          d.close(ignored);
          if (on_eof) on_eof();
          return;
        }
        read_loop(std::move(keep), d, std::move(buf), std::move(on_data), std::move(on_eof));
      });
}

}  // namespace

Result<std::shared_ptr<AsyncProcess>> AsyncProcess::spawn(asio::io_context& ioc,
                                                          const SpawnOptions& options) {
  auto spawned = spawn_process(options);
  if (!spawned) return spawned.error_value();
  std::shared_ptr<AsyncProcess> p(new AsyncProcess(spawned->pid));
  p->group_ = options.new_process_group;
  p->impl_ = std::make_unique<Impl>(ioc);
  if (spawned->stdin_fd >= 0) p->impl_->in.assign(spawned->stdin_fd);
  if (spawned->stdout_fd >= 0) p->impl_->out.assign(spawned->stdout_fd);
  if (spawned->stderr_fd >= 0) p->impl_->err.assign(spawned->stderr_fd);
  const int pidfd = open_pidfd(spawned->pid);
  if (pidfd < 0) {
    p->kill();
    return make_error(std::string("pidfd_open failed: ") + std::strerror(errno),
                      Errc::kUnavailable);
  }
  p->impl_->pidfd.assign(pidfd);
  return p;
}

std::shared_ptr<AsyncProcess> AsyncProcess::adopt(asio::io_context& ioc, int stdin_fd,
                                                  int stdout_fd, int stderr_fd) {
  std::shared_ptr<AsyncProcess> p(new AsyncProcess(-1));
  p->adopted_ = true;
  p->impl_ = std::make_unique<Impl>(ioc);
  if (stdin_fd >= 0) p->impl_->in.assign(stdin_fd);
  if (stdout_fd >= 0) p->impl_->out.assign(stdout_fd);
  if (stderr_fd >= 0) p->impl_->err.assign(stderr_fd);
  return p;
}

void AsyncProcess::attach(pid_t pid, int pidfd) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, pid, pidfd] {
    self->pid_ = pid;
    if (pidfd >= 0) self->impl_->pidfd.assign(pidfd);
    if (self->pending_kill_ != 0 && !self->exit_) self->kill(self->pending_kill_);
  });
}

void AsyncProcess::report_exit(ProcessExit e) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, e] {
    if (!self->exit_) self->exited(e);
  });
}

void AsyncProcess::exited(ProcessExit e) {
  exit_ = e;
  boost::system::error_code ignored;
  impl_->pidfd.close(ignored);
  auto waiters = std::move(impl_->exit_waiters);
  for (auto& w : waiters) w(e);
}

AsyncProcess::AsyncProcess(pid_t pid) : pid_(pid) {}

AsyncProcess::~AsyncProcess() {
  if (adopted_) {  // its parent reaps it; the pidfd closes with the descriptor
    if (!exit_ && pid_ > 0) kill(SIGKILL);
    return;
  }
  if (!exit_ && pid_ > 0) {
    kill_process(pid_, SIGKILL, group_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

asio::any_io_executor AsyncProcess::executor() const {
  return impl_->strand;
}

void AsyncProcess::write_stdin(std::string data, std::function<void(bool)> done) {
  auto self = shared_from_this();
  auto owned = std::make_shared<std::string>(std::move(data));
  asio::post(impl_->strand, [self, owned, done = std::move(done)]() mutable {
    if (!self->impl_->in.is_open()) {
      if (done) done(false);
      return;
    }
    asio::async_write(
        self->impl_->in, asio::buffer(*owned),
        [self, owned, done = std::move(done)](boost::system::error_code ec, std::size_t) {
          boost::system::error_code ignored;
          self->impl_->in.close(ignored);
          if (done) done(!ec);
        });
  });
}

void AsyncProcess::read_stdout(std::function<void(std::string_view)> on_data,
                               std::function<void()> on_eof) {
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, on_data = std::move(on_data), on_eof = std::move(on_eof)]() mutable {
               if (!self->impl_->out.is_open()) {
                 if (on_eof) on_eof();
                 return;
               }
               read_loop(self, self->impl_->out, std::make_shared<std::array<char, 65536>>(),
                         std::move(on_data), std::move(on_eof));
             });
}

void AsyncProcess::read_stderr(std::function<void(std::string_view)> on_data,
                               std::function<void()> on_eof) {
  auto self = shared_from_this();
  asio::post(impl_->strand,
             [self, on_data = std::move(on_data), on_eof = std::move(on_eof)]() mutable {
               if (!self->impl_->err.is_open()) {
                 if (on_eof) on_eof();
                 return;
               }
               read_loop(self, self->impl_->err, std::make_shared<std::array<char, 65536>>(),
                         std::move(on_data), std::move(on_eof));
             });
}

namespace {

// Waits for the pidfd to turn readable, then checks (without reaping: WNOWAIT) that the process
// has exited. A wake-up while it still runs (seen on Linux 6.18 under load, with the error code
// clear) waits again: a blocking waitpid() there would hold an io_context thread until the
// process chose to exit. `exited` runs with the process exited but not yet reaped.
void watch_exit(const std::shared_ptr<AsyncProcess>& process, AsyncProcess::Impl& impl,
                std::function<void()> exited) {
  impl.pidfd.async_wait(Descriptor::wait_read, [process, &impl, exited = std::move(exited)](
                                                   boost::system::error_code ec) mutable {
    if (ec == asio::error::operation_aborted) return;
    siginfo_t info{};
    const int r =
        ::waitid(P_PID, static_cast<id_t>(process->pid()), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == 0) return watch_exit(process, impl, std::move(exited));
    exited();
  });
}

}  // namespace

void AsyncProcess::wait_exit(std::function<void(ProcessExit)> done) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, done = std::move(done)]() mutable {
    if (self->exit_) return done(*self->exit_);
    self->impl_->exit_waiters.push_back(std::move(done));
    if (self->adopted_ || self->impl_->watching_exit) return;  // adopted: report_exit()
    self->impl_->watching_exit = true;
    watch_exit(self, *self->impl_, [self] {
      // A group of its own dies with its leader: what is left in it (a replica's http-mode
      // function, after its watchdog was killed) would otherwise live on, orphaned, holding
      // its port. Killed before the leader is reaped, while the group's id cannot be reused.
      if (self->group_) kill_process(self->pid_, SIGKILL, true);
      int status = 0;
      const pid_t r = ::waitpid(self->pid_, &status, 0);  // exited: does not block
      ProcessExit e;
      if (r == self->pid_) {
        if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
      }
      self->exited(e);
    });
  });
}

void AsyncProcess::close_output() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    boost::system::error_code ignored;
    self->impl_->out.close(ignored);
    self->impl_->err.close(ignored);
  });
}

void AsyncProcess::kill(int signal) {
  if (exit_) return;
  if (!adopted_) return kill_process(pid_, signal, group_);
  if (pid_ <= 0) {
    pending_kill_ = signal;  // sent on attach()
    return;
  }
  // The pidfd names this process even if it has been reaped meanwhile and its pid reused;
  // the group (the child leads its own) is signalled by id, as classic mode does.
  if (impl_->pidfd.is_open())
    ::syscall(SYS_pidfd_send_signal, impl_->pidfd.native_handle(), signal, nullptr, 0);
  else
    ::kill(pid_, signal);
  ::kill(-pid_, signal);
}

void run_to_completion(asio::io_context& ioc, const SpawnOptions& options, std::string input,
                       std::chrono::microseconds timeout, std::size_t max_output,
                       std::function<void(Result<RunOutcome>)> done) {
  auto spawned = AsyncProcess::spawn(ioc, options);
  if (!spawned) return done(spawned.error_value());
  run_to_completion(*spawned, std::move(input), timeout, max_output,
                    [done = std::move(done)](RunOutcome o) { done(std::move(o)); });
}

void run_to_completion(const std::shared_ptr<AsyncProcess>& process, std::string input,
                       std::chrono::microseconds timeout, std::size_t max_output,
                       std::function<void(RunOutcome)> done) {
  struct State {
    RunOutcome outcome;
    int pending = 3;  // stdout EOF, stderr EOF, exit
    std::function<void(RunOutcome)> done;
    std::optional<asio::steady_timer> timer;
    std::optional<asio::steady_timer> linger;
  };
  auto st = std::make_shared<State>();
  st->done = std::move(done);
  auto finish_one = [st, process] {
    if (--st->pending > 0) return;
    if (st->timer) st->timer->cancel();
    if (st->linger) st->linger->cancel();
    auto cb = std::move(st->done);
    if (cb) cb(std::move(st->outcome));
  };
  auto collect = [st, process, max_output](std::string& sink) {
    return [st, process, max_output, &sink](std::string_view data) {
      if (st->outcome.output_overflow) return;
      if (st->outcome.out.size() + st->outcome.err.size() + data.size() > max_output) {
        st->outcome.output_overflow = true;
        process->kill();
        return;
      }
      sink.append(data);
    };
  };
  process->read_stdout(collect(st->outcome.out), finish_one);
  process->read_stderr(collect(st->outcome.err), finish_one);
  process->write_stdin(std::move(input));
  if (timeout.count() > 0) {
    st->timer.emplace(process->executor(), timeout);
    st->timer->async_wait([st, process](boost::system::error_code ec) {
      if (ec || !process->running()) return;
      st->outcome.timed_out = true;
      process->kill();
    });
  }
  process->wait_exit([st, process, finish_one](ProcessExit e) {
    st->outcome.exit = e;
    // A grandchild may still hold the pipes open: give the output a moment, then stop waiting.
    st->linger.emplace(process->executor(), std::chrono::milliseconds(200));
    st->linger->async_wait([st, process](boost::system::error_code ec) {
      if (ec) return;
      process->close_output();
    });
    finish_one();
  });
}

}  // namespace faaslab::runtime
