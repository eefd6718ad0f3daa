#include "netem/relay.h"

#include <sys/prctl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace faaslab::netem {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kSegmentBytes = 1448;  // a TCP segment on a 1500-byte MTU
constexpr std::size_t kMaxChunk = 64 * 1024;
constexpr std::size_t kMaxGather = 256 * 1024;  // bytes handed to one write
constexpr auto kSpin = std::chrono::microseconds(30);
constexpr auto kMaxEarly = std::chrono::microseconds(200);  // the most a timer is armed early

double bytes_per_second(const LinkDirection& d) {
  return d.rate_bps / 8.0;
}

// Chunks of about a millisecond of transmission: the first byte of a message waits for its
// chunk to be sent whole (store and forward), so smaller chunks on slow links.
std::size_t chunk_size(const LinkDirection& d) {
  if (d.rate_bps <= 0) return kMaxChunk;
  const double per_ms = bytes_per_second(d) / 1000.0;
  return std::clamp<std::size_t>(static_cast<std::size_t>(per_ms), kSegmentBytes, kMaxChunk);
}

// Bytes one connection may have in the link at once: what is in flight over the delay at the
// link's rate (10 Gbit/s when not limited), plus a buffer of 20 ms at that rate.
std::size_t queue_limit(const LinkDirection& d) {
  const double rate = d.rate_bps > 0 ? bytes_per_second(d) : 10e9 / 8;
  const double in_flight = rate * to_seconds(d.delay + d.jitter);
  const double buffer = std::max(64.0 * 1024, rate * 0.020);
  return static_cast<std::size_t>(std::min(in_flight + buffer, 256.0 * 1024 * 1024));
}

void set_buffers(int fd, int bytes) {
  if (bytes <= 0) return;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

}  // namespace

// The link's state in one direction, shared by every connection over it.
struct LinkState {
  LinkDirection shape;
  Micros round_trip{0};               // what a retransmission costs
  SteadyClock::time_point free_at{};  // when the link has sent everything queued so far
};

struct Relay::Impl {
  explicit Impl(const RelayOptions& options) : work(ioc.get_executor()), rng(options.seed) {
    forward.shape = options.forward;
    backward.shape = options.backward;
    forward.round_trip = backward.round_trip = options.forward.delay + options.backward.delay;
    socket_buffer = options.socket_buffer_bytes;
  }

  // When a chunk of `n` bytes read now leaves the far end of the link.
  SteadyClock::time_point departure(LinkState& link, std::size_t n, SteadyClock::time_point now) {
    SteadyClock::time_point sent = now;
    if (link.shape.rate_bps > 0) {
      const auto start = std::max(now, link.free_at);
      const auto transmit = std::chrono::duration_cast<SteadyClock::duration>(
          std::chrono::duration<double>(static_cast<double>(n) / bytes_per_second(link.shape)));
      link.free_at = start + transmit;
      sent = link.free_at;
    }
    Micros delay = link.shape.delay;
    if (link.shape.jitter.count() > 0) {
      std::uniform_int_distribution<std::int64_t> jitter(-link.shape.jitter.count(),
                                                         link.shape.jitter.count());
      delay = std::max(Micros(0), delay + Micros(jitter(rng)));
    }
    if (link.shape.loss > 0) {
      const double segments = std::ceil(static_cast<double>(n) / kSegmentBytes);
      const double any_lost = 1.0 - std::pow(1.0 - link.shape.loss, segments);
      if (std::uniform_real_distribution<double>(0, 1)(rng) < any_lost)
        delay += std::max(link.round_trip, Micros(200));
    }
    return sent + delay;
  }

  // How late timer wake-ups have been (a moving average of the last few), to arm timers that
  // much early.
  void observe_wake(SteadyClock::duration late) {
    const auto clamped =
        std::clamp<SteadyClock::duration>(late, SteadyClock::duration::zero(), kMaxEarly);
    wake_lateness = (wake_lateness * 7 + clamped) / 8;
  }

  SteadyClock::duration wake_lateness{};  // io thread only
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  LinkState forward, backward;  // io thread only
  std::mt19937_64 rng;          // io thread only
  int socket_buffer = 0;
  std::atomic<std::uint64_t> connections{0}, failed_connects{0}, bytes_forward{0},
      bytes_backward{0}, departures{0}, late_us_total{0};
  std::map<int, std::shared_ptr<tcp::acceptor>> routes;  // io thread only
  std::atomic<int> next_route{1};
  std::atomic<bool> stopped{false};
};

namespace {

struct Chunk {
  SteadyClock::time_point departs;
  std::vector<char> data;
};

class Session;

// One direction of one connection: reads from `from`, holds each chunk until its departure,
// writes it to `to`.
class Pump {
 public:
  Pump(Session& session, tcp::socket& from, tcp::socket& to, LinkState& link,
       std::atomic<std::uint64_t>& carried)
      : session_(session),
        from_(from),
        to_(to),
        link_(link),
        carried_(carried),
        timer_(from.get_executor()),
        limit_(queue_limit(link.shape)),
        read_buffer_(chunk_size(link.shape)) {}

  void start() { read(); }
  void cancel() {
    boost::system::error_code ignored;
    timer_.cancel(ignored);
  }
  bool finished() const { return shut_down_; }

 private:
  void read();
  void write();
  void fail();

  Session& session_;
  tcp::socket& from_;
  tcp::socket& to_;
  LinkState& link_;
  std::atomic<std::uint64_t>& carried_;
  asio::steady_timer timer_;
  const std::size_t limit_;
  std::vector<char> read_buffer_;
  std::deque<Chunk> queue_;
  std::size_t queued_ = 0;
  SteadyClock::time_point last_departure_{};
  bool reading_ = false, writing_ = false, waiting_ = false, eof_ = false, shut_down_ = false;
  bool waited_ = false;  // the front chunk had to wait for its departure time
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Relay::Impl* relay, tcp::socket peer)
      : relay_(relay),
        peer_(std::move(peer)),
        target_(peer_.get_executor()),
        forward_(*this, peer_, target_, relay_->forward, relay_->bytes_forward),
        backward_(*this, target_, peer_, relay_->backward, relay_->bytes_backward) {}

  void connect(const tcp::endpoint& target, const Relay::OpenSocket& open) {
    auto fd = open();
    if (!fd) {
      ++relay_->failed_connects;
      return;  // the peer's socket closes with this session
    }
    set_buffers(*fd, relay_->socket_buffer);
    boost::system::error_code ec;
    target_.assign(target.protocol(), *fd, ec);
    if (ec) {
      ::close(*fd);
      ++relay_->failed_connects;
      return;
    }
    target_.async_connect(target, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) {
        ++self->relay_->failed_connects;
        return self->close();
      }
      ++self->relay_->connections;
      boost::system::error_code ignored;
      self->peer_.set_option(tcp::no_delay(true), ignored);
      self->target_.set_option(tcp::no_delay(true), ignored);
      self->forward_.start();
      self->backward_.start();
    });
  }

  void close() {
    boost::system::error_code ignored;
    forward_.cancel();
    backward_.cancel();
    peer_.close(ignored);
    target_.close(ignored);
  }
  Relay::Impl& relay() { return *relay_; }

 private:
  Relay::Impl* relay_;  // outlives the session: its io_context destroys the session's handlers
  tcp::socket peer_, target_;
  Pump forward_, backward_;
};

void Pump::read() {
  if (reading_ || eof_ || queued_ >= limit_) return;
  reading_ = true;
  from_.async_read_some(
      asio::buffer(read_buffer_),
      [this, self = session_.shared_from_this()](boost::system::error_code ec, std::size_t n) {
        reading_ = false;
        if (ec == asio::error::eof) {
          eof_ = true;
          return write();  // passes the end on once the queue is empty
        }
        if (ec) return fail();
        const auto now = SteadyClock::now();
        auto departs = session_.relay().departure(link_, n, now);
        departs = std::max(departs, last_departure_);  // a byte stream keeps its order
        last_departure_ = departs;
        queue_.push_back(
            Chunk{departs, std::vector<char>(read_buffer_.data(), read_buffer_.data() + n)});
        queued_ += n;
        write();
        read();
      });
}

void Pump::write() {
  if (writing_ || waiting_ || shut_down_) return;
  if (queue_.empty()) {
    if (eof_) {
      boost::system::error_code ignored;
      to_.shutdown(tcp::socket::shutdown_send, ignored);
      shut_down_ = true;
    }
    return;
  }
  auto now = SteadyClock::now();
  const auto departs = queue_.front().departs;
  if (departs > now) {
    waited_ = true;
    // Armed early by how late wake-ups have been lately (100 us and more on these virtual
    // machines), and the rest waited out here: a timer cannot wake a thread that finely.
    Relay::Impl& relay = session_.relay();
    if (departs - now <= relay.wake_lateness + kSpin) {
      while (SteadyClock::now() < departs) {
      }
      now = SteadyClock::now();
    } else {
      const auto fire = departs - relay.wake_lateness;
      waiting_ = true;
      timer_.expires_at(fire);
      timer_.async_wait(
          [this, fire, self = session_.shared_from_this()](boost::system::error_code ec) {
            waiting_ = false;
            if (ec) return;  // cancelled: the session is closing
            session_.relay().observe_wake(SteadyClock::now() - fire);
            write();
          });
      return;
    }
  }
  if (waited_) {
    waited_ = false;
    Relay::Impl& relay = session_.relay();
    ++relay.departures;
    relay.late_us_total += static_cast<std::uint64_t>(
        std::chrono::duration_cast<Micros>(std::max(now - departs, SteadyClock::duration{}))
            .count());
  }
  // Every chunk that is due, in one write.
  std::vector<asio::const_buffer> due;
  std::size_t count = 0, bytes = 0;
  for (const Chunk& c : queue_) {
    if (c.departs > now || bytes >= kMaxGather) break;
    due.emplace_back(asio::buffer(c.data));
    bytes += c.data.size();
    ++count;
  }
  writing_ = true;
  asio::async_write(to_, due,
                    [this, count, self = session_.shared_from_this()](boost::system::error_code ec,
                                                                      std::size_t written) {
                      writing_ = false;
                      if (ec) return fail();
                      for (std::size_t i = 0; i < count; ++i) queue_.pop_front();
                      queued_ -= written;
                      carried_ += written;
                      write();
                      read();
                    });
}

void Pump::fail() {
  session_.close();
}

void accept_next(Relay::Impl* relay, std::shared_ptr<tcp::acceptor> acceptor, tcp::endpoint target,
                 Relay::OpenSocket open) {
  acceptor->async_accept([relay, acceptor, target, open = std::move(open)](
                             boost::system::error_code ec, tcp::socket peer) mutable {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      set_buffers(peer.native_handle(), relay->socket_buffer);
      std::make_shared<Session>(relay, std::move(peer))->connect(target, open);
    }
    // Out of descriptors and the like: try again shortly rather than spin.
    if (ec) {
      auto timer = std::make_shared<asio::steady_timer>(relay->ioc, std::chrono::milliseconds(10));
      timer->async_wait([relay, acceptor, target, open, timer](boost::system::error_code) mutable {
        accept_next(relay, acceptor, target, std::move(open));
      });
      return;
    }
    accept_next(relay, acceptor, target, std::move(open));
  });
}

}  // namespace

Relay::Relay(RelayOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}

Result<std::unique_ptr<Relay>> Relay::start(RelayOptions options) {
  std::unique_ptr<Relay> relay(new Relay(std::move(options)));
  try {
    relay->impl_->thread = std::thread([impl = relay->impl_.get()] {
      // Timers wake this thread up to 50 us late by default (the kernel's timer slack); a link
      // whose delay is off by that much would not measure as configured.
      ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
      impl->ioc.run();
    });
  } catch (const std::system_error& e) {
    return make_error(std::string("relay: cannot start its thread: ") + e.what(), Errc::kInternal);
  }
  return relay;
}

Relay::~Relay() {
  stop();
}

Result<int> Relay::add_route(int listen_fd, tcp::endpoint target, OpenSocket open) {
  if (impl_->stopped) {
    ::close(listen_fd);
    return make_error("relay: stopped", Errc::kUnavailable);
  }
  set_buffers(listen_fd, impl_->socket_buffer);
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->ioc);
  boost::system::error_code ec;
  acceptor->assign(target.protocol(), listen_fd, ec);
  if (ec) {
    ::close(listen_fd);
    return make_error("relay: not a listening socket: " + ec.message());
  }
  const int id = impl_->next_route++;
  asio::post(impl_->ioc,
             [impl = impl_.get(), id, acceptor, target, open = std::move(open)]() mutable {
               impl->routes[id] = acceptor;
               accept_next(impl, acceptor, target, std::move(open));
             });
  return id;
}

void Relay::remove_route(int id) {
  asio::post(impl_->ioc, [impl = impl_.get(), id] {
    auto it = impl->routes.find(id);
    if (it == impl->routes.end()) return;
    boost::system::error_code ignored;
    it->second->close(ignored);
    impl->routes.erase(it);
  });
}

RelayCounters Relay::counters() const {
  return RelayCounters{impl_->connections.load(),   impl_->failed_connects.load(),
                       impl_->bytes_forward.load(), impl_->bytes_backward.load(),
                       impl_->departures.load(),    impl_->late_us_total.load()};
}

void Relay::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The handlers still queued hold the sessions; the io_context destroys them (and so closes
  // every socket) when the Impl goes, in the destructor.
}

}  // namespace faaslab::netem
