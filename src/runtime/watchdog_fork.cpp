// Fork mode: one template process of the function, started with a control socket as fd 3,
// loads its model and then forks a child per request (common/fork_server.h: the protocol and
// the template's loop); each child handles exactly one request with the classic contract
// (classic_contract.h) and exits. This side: the template's start, readiness and restarts;
// per request three pipes handed to the template, the child adopted (AsyncProcess::adopt)
// once the template says it started, killed on exec_timeout through its pidfd, and its exit
// as the template reports it.
//
// If the template dies, its children still running are killed and their requests answered
// 500; it is started again after a back-off (RestartBackoff), logged as "fork template exited
// (...); starting it again" and, once up, "fork template restarted" (the gateway turns both
// into replica events). Requests that arrive meanwhile wait for it, each up to exec_timeout
// (then 503, not processed). A template that exits before its first ready is the watchdog's
// start failure, as in http mode.
//
// All state lives on one strand; callbacks hold the core by shared_ptr, so the runner can go
// while operations are still pending.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include "common/fork_server.h"
#include "common/not_processed.h"
#include "runtime/async_process.h"
#include "runtime/classic_contract.h"
#include "runtime/command_line.h"
#include "runtime/line_log.h"
#include "runtime/restart_backoff.h"
#include "runtime/watchdog.h"

namespace faaslab::runtime {
namespace {

namespace asio = boost::asio;
namespace fs = fork_server;
using Strand = asio::strand<asio::io_context::executor_type>;

// One request: queued until the template is ready, then running as a child.
struct ForkRequest {
  std::uint64_t id = 0;
  unsigned version = 11;
  SteadyClock::time_point started;
  EnvList env;
  std::string body;
  std::function<void(HttpServerResponse)> respond;
  std::shared_ptr<AsyncProcess> child;
  std::optional<asio::steady_timer> queued_timer;  // while waiting for the template
  std::string failure;  // the child never ran: why (fork failed, the template died first)
  bool answered = false;
};

class ForkCore : public std::enable_shared_from_this<ForkCore> {
 public:
  ForkCore(asio::io_context& ioc, const WatchdogConfig& config)
      : ioc_(ioc),
        strand_(asio::make_strand(ioc)),
        config_(config),
        argv_(config.fprocess),
        base_env_(function_environment()),
        control_(strand_),
        restart_timer_(strand_) {
    argv_[0] = resolve_executable(argv_[0]);
  }

  void start(std::function<void(Status)> ready) {
    asio::post(strand_, [self = shared_from_this(), ready = std::move(ready)]() mutable {
      self->first_ready_ = std::move(ready);
      self->launch();
    });
  }

  void handle(IncomingRequest&& in, std::function<void(HttpServerResponse)> respond) {
    auto r = std::make_shared<ForkRequest>();
    r->version = in.message.version();
    r->started = SteadyClock::now();
    if (config_.cgi_headers) r->env = cgi_variables(in.message);
    r->body = std::move(in.message.body());
    r->respond = std::move(respond);
    asio::post(strand_, [self = shared_from_this(), r] { self->submit(r); });
  }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      self->restart_timer_.cancel();
      // The template kills what still runs and exits when its socket closes.
      self->close_control();
      if (self->template_) self->template_->kill(SIGTERM);
      for (auto& r : std::exchange(self->queued_, {})) self->answer_not_processed(*r);
    });
  }

 private:
  void launch() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
      return start_failed(std::string("socketpair: ") + std::strerror(errno));
    // A template that stops reading (stopped, stuck) fails a request after a second instead
    // of holding an io thread.
    const timeval send_timeout{1, 0};
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    SpawnOptions options;
    options.argv = argv_;
    options.env = base_env_;
    options.env.push_back(std::string(fs::kFdVariable) + "=3");
    options.pass_fd = sv[1];
    options.pipe_stdin = false;
    // In the watchdog's group, as in http mode: a supervisor that kills the group takes the
    // template too; its children, in groups of their own, go when its socket closes.
    options.new_process_group = false;
    auto process = AsyncProcess::spawn(ioc_, options);
    ::close(sv[1]);
    if (!process) {
      ::close(sv[0]);
      return start_failed(process.error());
    }
    template_ = *process;
    launched_at_ = SteadyClock::now();
    log_output(*template_, "fprocess: ");
    control_.assign(sv[0]);
    read_control();
    template_->wait_exit([self = shared_from_this(), t = template_](ProcessExit e) {
      asio::post(self->strand_, [self, t, e] { self->template_exited(t, e); });
    });
  }

  void start_failed(const std::string& why) {
    if (first_ready_) {
      auto cb = std::exchange(first_ready_, nullptr);
      return cb(make_error("fork template: " + why, Errc::kUnavailable));
    }
    spdlog::error("fork template could not be started: {}", why);
    schedule_restart();
  }

  void read_control() {
    control_.async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](boost::system::error_code ec) {
                          if (ec) return;  // closed
                          self->drain_control();
                        });
  }

  void drain_control() {
    for (;;) {
      if (!control_.is_open()) return;
      auto got = fs::receive_message(control_.native_handle());
      if (!got) {
        spdlog::error("fork template: {}", got.error());
        return close_control();
      }
      if (got->what == fs::Receive::kNothing) return read_control();
      if (got->what == fs::Receive::kClosed) return close_control();  // its exit follows
      on_message(got->message);
    }
  }

  void on_message(fs::Message& m) {
    auto close_fds = [&] {
      for (int fd : m.fds) ::close(fd);
      m.fds.clear();
    };
    if (auto ready = fs::decode_ready(m.text)) {
      close_fds();
      return on_ready(*ready);
    }
    if (auto started = fs::decode_started(m.text)) {
      const auto it = running_.find(started->id);
      if (it == running_.end()) return close_fds();
      const int pidfd = m.fds.empty() ? -1 : m.fds.front();
      for (std::size_t i = 1; i < m.fds.size(); ++i) ::close(m.fds[i]);
      m.fds.clear();
      it->second->child->attach(started->pid, pidfd);
      return;
    }
    close_fds();
    if (auto exited = fs::decode_exited(m.text)) {
      if (const auto it = running_.find(exited->id); it != running_.end())
        it->second->child->report_exit(ProcessExit{exited->code, exited->signal});
      return;
    }
    if (auto failed = fs::decode_failed(m.text)) {
      if (const auto it = running_.find(failed->id); it != running_.end()) {
        it->second->failure = failed->reason;
        it->second->child->report_exit(ProcessExit{});
      }
      return;
    }
    spdlog::warn("fork template sent an unknown message: {}", m.text.substr(0, 80));
  }

  void on_ready(const fs::Ready& ready) {
    if (ready_) return;
    const double ms =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - launched_at_).count();
    if (ready.threads != 1) {
      // fork() copies only the calling thread: a lock another thread held stays locked in
      // every child, forever.
      const std::string why = "fork template has " + std::to_string(ready.threads) +
                              " threads when ready; fork is safe only from a single-threaded "
                              "process (create threads in the child, or none)";
      close_control();
      template_->kill(SIGKILL);
      if (first_ready_) return std::exchange(first_ready_, nullptr)(make_error(why));
      spdlog::error("{}", why);
      return;
    }
    ready_ = true;
    ready_at_ = SteadyClock::now();
    backoff_.started();
    if (first_ready_) {
      spdlog::info("fork template ready in {:.1f} ms (pid {})", ms, ready.pid);
      std::exchange(first_ready_, nullptr)(Ok{});
    } else {
      spdlog::warn("{}, ready in {:.1f} ms (pid {})", kForkTemplateRestarted, ms, ready.pid);
    }
    for (auto& r : std::exchange(queued_, {})) {
      if (r->queued_timer) r->queued_timer->cancel();
      if (!r->answered) dispatch(r);
    }
  }

  void submit(const std::shared_ptr<ForkRequest>& r) {
    if (stopping_) return answer_not_processed(*r);
    if (ready_) return dispatch(r);
    queued_.push_back(r);
    {
      const Micros wait =
          config_.exec_timeout.count() > 0 ? config_.exec_timeout : config_.write_timeout;
      r->queued_timer.emplace(strand_, wait);
      r->queued_timer->async_wait([self = shared_from_this(), r](boost::system::error_code ec) {
        if (ec || r->answered) return;
        std::erase(self->queued_, r);
        self->answer_not_processed(*r);
      });
    }
  }

  void dispatch(const std::shared_ptr<ForkRequest>& r) {
    int in[2], out[2], err[2] = {-1, -1};
    const bool separate_err = !config_.combine_output;
    if (::pipe2(in, O_CLOEXEC) != 0) return fail_now(*r, errno);
    if (::pipe2(out, O_CLOEXEC) != 0) {
      const int e = errno;
      ::close(in[0]), ::close(in[1]);
      return fail_now(*r, e);
    }
    if (separate_err && ::pipe2(err, O_CLOEXEC) != 0) {
      const int e = errno;
      for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
      return fail_now(*r, e);
    }
    r->id = ++next_id_;
    const int child_fds[3] = {in[0], out[1], separate_err ? err[1] : out[1]};
    const auto sent =
        fs::send_message(control_.native_handle(), fs::encode(fs::Run{r->id, r->env}), child_fds);
    for (int fd : {in[0], out[1], err[1]})
      if (fd >= 0) ::close(fd);
    if (!sent) {
      for (int fd : {in[1], out[0], err[0]})
        if (fd >= 0) ::close(fd);
      r->answered = true;
      return r->respond(
          classic_response(make_error("fork template: " + sent.error(), Errc::kUnavailable),
                           r->version, r->started, config_));
    }
    r->child = AsyncProcess::adopt(ioc_, in[1], out[0], err[0]);
    running_.emplace(r->id, r);
    run_to_completion(r->child, std::move(r->body), config_.exec_timeout, config_.max_output_bytes,
                      [self = shared_from_this(), r](RunOutcome o) {
                        asio::post(self->strand_, [self, r, o = std::move(o)]() mutable {
                          self->finished(r, std::move(o));
                        });
                      });
  }

  void finished(const std::shared_ptr<ForkRequest>& r, RunOutcome outcome) {
    running_.erase(r->id);
    if (r->answered) return;
    r->answered = true;
    if (!r->failure.empty() && !outcome.timed_out)
      return r->respond(classic_response(make_error(r->failure, Errc::kUnavailable), r->version,
                                         r->started, config_));
    r->respond(classic_response(std::move(outcome), r->version, r->started, config_));
  }

  void fail_now(ForkRequest& r, int error) {
    r.answered = true;
    r.respond(classic_response(
        make_error(std::string("pipe: ") + std::strerror(error), Errc::kUnavailable), r.version,
        r.started, config_));
  }

  void answer_not_processed(ForkRequest& r) {
    if (r.answered) return;
    r.answered = true;
    r.respond(
        not_processed_response(503, "fork template not running", r.version, "faaslab-watchdog"));
  }

  void template_exited(const std::shared_ptr<AsyncProcess>& t, ProcessExit e) {
    if (t != template_) return;
    const bool was_ready = ready_;
    ready_ = false;
    close_control();
    // Its children still running are orphans now, with nobody to report their exit: killed,
    // and their requests failed.
    for (auto& [id, r] : running_) {
      r->failure = "the fork template died (" + e.describe() + ") while the request ran";
      auto child = r->child;
      asio::post(child->executor(), [child] { child->kill(SIGKILL); });
      child->report_exit(ProcessExit{-1, SIGKILL});
    }
    if (stopping_) return;
    if (first_ready_)
      return std::exchange(first_ready_, nullptr)(make_error(
          std::string(kForkTemplateExited) + " (" + e.describe() + ") before it was ready",
          Errc::kUnavailable));
    if (was_ready)
      backoff_.crashed(ready_at_, SteadyClock::now());
    else
      backoff_.start_failed();
    spdlog::error("{} ({}); starting it again in {} ms", kForkTemplateExited, e.describe(),
                  backoff_.delay().count());
    schedule_restart();
  }

  void schedule_restart() {
    if (stopping_) return;
    restart_timer_.expires_after(backoff_.delay());
    restart_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopping_) self->launch();
    });
  }

  void close_control() {
    boost::system::error_code ignored;
    if (control_.is_open()) control_.close(ignored);
  }

  asio::io_context& ioc_;
  Strand strand_;
  const WatchdogConfig config_;  // a copy: the core may outlive the runner
  std::vector<std::string> argv_;
  const EnvList base_env_;
  asio::posix::stream_descriptor control_;
  asio::steady_timer restart_timer_;
  std::shared_ptr<AsyncProcess> template_;
  std::function<void(Status)> first_ready_;
  bool ready_ = false;
  bool stopping_ = false;
  SteadyClock::time_point launched_at_, ready_at_;
  RestartBackoff backoff_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::shared_ptr<ForkRequest>> running_;
  std::deque<std::shared_ptr<ForkRequest>> queued_;
};

class ForkRunner : public Runner {
 public:
  ForkRunner(asio::io_context& ioc, const WatchdogConfig& config)
      : core_(std::make_shared<ForkCore>(ioc, config)) {}
  ~ForkRunner() override { core_->stop(); }
  void start(std::function<void(Status)> ready) override { core_->start(std::move(ready)); }
  void handle(IncomingRequest&& in, std::function<void(HttpServerResponse)> respond) override {
    core_->handle(std::move(in), std::move(respond));
  }
  void stop() override { core_->stop(); }

 private:
  std::shared_ptr<ForkCore> core_;
};

}  // namespace

std::unique_ptr<Runner> make_fork_runner(asio::io_context& ioc, const WatchdogConfig& config) {
  return std::make_unique<ForkRunner>(ioc, config);
}

}  // namespace faaslab::runtime
