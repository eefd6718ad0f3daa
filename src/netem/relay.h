// A link emulated in user space, for kernels without sch_netem (these machines): TCP
// connections accepted on a route's listening socket are relayed to the route's target, and
// each direction of the link passes through a queue that serialises bytes at the link's rate
// and holds them for its one-way delay (plus jitter), keeping their order — what tbf + netem do
// in the kernel. The rate is the link's, shared by every connection over it (a shared uplink),
// first come first served in chunks of about a millisecond of transmission. Backpressure is
// real: a connection's queue holds at most the bandwidth–delay product plus a margin, the relay
// stops reading a peer while its queue is full, and its sockets have small buffers.
//
// A lost segment (probability `loss` per 1448 bytes) costs what TCP's fast retransmit costs:
// the chunk that held it arrives one round trip of the link later. Bytes are never dropped or
// reordered: the relay sits between two TCP connections.
//
// Thread-safe: routes are added and removed from any thread; the relay runs on its own thread.
// Lifetime: stop() ends relaying and joins the thread; the destructor also closes every route
// and connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/result.h"
#include "common/units.h"

namespace faaslab::netem {

// One direction of a link.
struct LinkDirection {
  Micros delay{0};      // one-way propagation delay
  Micros jitter{0};     // each chunk's delay is delay ± up to jitter (uniform), order kept
  double rate_bps = 0;  // bits per second; 0 = not limited
  double loss = 0;      // probability a 1448-byte segment is lost (and retransmitted)
};

struct RelayOptions {
  LinkDirection forward;   // accepted peer -> target
  LinkDirection backward;  // target -> accepted peer
  // SO_SNDBUF and SO_RCVBUF of every relay socket (0: the kernel's). Small buffers keep the
  // backlog in the relay's queue, where the rate applies, instead of in the kernel's.
  int socket_buffer_bytes = 128 * 1024;
  std::uint64_t seed = 1;  // jitter and loss
};

// What the relay has carried, for link utilisation.
struct RelayCounters {
  std::uint64_t connections = 0;
  std::uint64_t failed_connects = 0;  // the target refused or could not be reached
  std::uint64_t bytes_forward = 0;
  std::uint64_t bytes_backward = 0;
  std::uint64_t departures = 0;     // writes of chunks that had a departure time to wait for
  std::uint64_t late_us_total = 0;  // how far past that time they were written, added up
};

class Relay {
 public:
  // Makes a new unconnected TCP socket for a connection to a target (in the network namespace
  // it must leave from). The relay owns the descriptor returned.
  using OpenSocket = std::function<Result<int>()>;

  // Starts the relay's thread. Errors: none expected (thread creation aside).
  static Result<std::unique_ptr<Relay>> start(RelayOptions options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Relays connections accepted on `listen_fd` (a listening TCP socket; the relay takes it
  // over) to `target`, each over a socket from `open`. Returns the route's id.
  Result<int> add_route(int listen_fd, boost::asio::ip::tcp::endpoint target, OpenSocket open);
  // Stops accepting on the route; its connections go on until either end closes.
  void remove_route(int id);

  RelayCounters counters() const;
  const RelayOptions& options() const { return options_; }

  // Closes everything and joins the thread (idempotent).
  void stop();

  struct Impl;

 private:
  explicit Relay(RelayOptions options);
  RelayOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::netem
