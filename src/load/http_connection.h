// One client HTTP/1.1 connection of the load engine: connect (when not open), write a prepared
// request, read the response, all asynchronously on its worker's io_context, under one deadline
// per request. A kept-alive connection the server has closed meanwhile is re-opened and the
// request retried once, transparently (as browsers and JMeter do). Failures become Outcomes in
// the request's Record; nothing throws.
//
// Ownership: a connection belongs to one worker (one io_context, one thread) and is used by one
// request at a time; the Exchange passed to start() must stay alive until its on_done() runs.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "common/units.h"
#include "load/record.h"
#include "load/response_scanner.h"

namespace faaslab::load {

// A request serialised once before the run (header block), plus its shared body.
struct PreparedRequest {
  std::string head;  // request line and headers, ending with the empty line
  std::shared_ptr<const std::string> body;
};

struct ConnectionLimits {
  Micros timeout{25'000'000};                     // per request, connecting included
  std::uint64_t max_response_bytes = 256u << 20;  // body; over it = Outcome::kTooLarge
};

class HttpConnection;

// One request in flight: what to send, and where the result goes.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // Called on the worker's thread when the request has ended, successfully or not; `record`
  // has been filled in (start_us must be set by the caller before start()).
  virtual void on_done(HttpConnection& connection) = 0;

  const PreparedRequest* request = nullptr;
  Record record;
  bool keep_body = false;    // keep the response body in `body` (saving responses, the client)
  std::string body;          // the response body when keep_body
  std::string content_type;  // of the response
};

class HttpConnection {
 public:
  // `now_us` gives the run's monotonic clock in µs (the same one every record uses).
  HttpConnection(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
                 const ConnectionLimits& limits, std::int64_t (*now_us)());

  // Starts the exchange; its on_done() is called exactly once, later (never from inside start).
  // The caller sets exchange.record.start_us (now) first; the deadline counts from it.
  void start(Exchange& exchange);
  // Opens the connection with no request on it (a pool's dial, so that a request can take
  // whichever comes first: this connection or one released meanwhile). `on_open` runs later on
  // the worker's thread, with the error if connecting failed or outlived the timeout. The next
  // exchange started on it reports the dial's time as its connect time.
  void open(std::function<void(const boost::system::error_code&)> on_open);
  // Enforces the request deadline: closes the connection of a request past it (its pending
  // operation then ends as a timeout). The worker calls this for every connection a few dozen
  // times a second — cheaper than arming a timer per request, which costs timerfd syscalls.
  void check_deadline(std::int64_t now_us);
  bool is_open() const { return socket_.is_open(); }
  bool busy() const { return exchange_ != nullptr || dialing_; }
  void close();
  std::uint64_t connects() const { return connects_; }

 private:
  void connect();
  void connected();  // the first byte went out on a new connection
  void write();
  void start_reading();
  void read_more();
  bool parse_buffered();  // true when the exchange has ended
  void finish(Outcome outcome, std::string error);
  void on_transport_error(const boost::system::error_code& ec, const char* stage);
  void fill_response_facts();

  // The io_context's own executor type, not the type-erased any_io_executor: measurably less
  // work per operation on the hot path.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                  boost::asio::io_context::executor_type>;
  Socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  ConnectionLimits limits_;
  std::int64_t (*now_us_)();
  boost::beast::flat_buffer buffer_;
  std::optional<ResponseScanner> parser_;

  Exchange* exchange_ = nullptr;
  std::int64_t deadline_us_ = 0;
  bool timed_out_ = false;
  bool reused_ = false;  // this attempt runs on a kept-alive connection (may be retried once)
  bool retried_ = false;
  std::int64_t connect_start_us_ = 0;
  bool connecting_ = false;  // connect() done, no byte sent yet: a failure is a connect failure
  bool dialing_ = false;     // open() in progress (no exchange)
  std::int64_t dial_deadline_us_ = 0;
  std::int64_t dialed_us_ = -1;  // open()'s connect time, for the first exchange on it
  std::uint64_t connects_ = 0;
};

// Parses the function's timings from a `json` ("ml_seconds", "handler_seconds") or `seed`
// ("Elapsed ML time: s", "Total time: s") body into ml_s / handler_s where they are still NaN.
void parse_timings_from_body(std::string_view body, double& ml_s, double& handler_s);

}  // namespace faaslab::load
