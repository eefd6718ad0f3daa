// Network namespaces for emulated nodes, and the sockets and processes placed in them: with
// veth.h, the only code in faaslab that changes the kernel's networking (the seam LevelDB's Env
// is for files). It drives iproute2's `ip`, as a person would, rather than netlink by hand.
//
// A namespace is named faaslab-<owner pid>-<node>. Its owner holds an flock on
// /run/faaslab/netns-<pid>.lock while it lives; remove_stale_namespaces() deletes the namespaces
// of owners that are gone (killed with -9, crashed), so the next start cleans up what a crash
// left. Deleting a namespace deletes every veth end inside it, the peer end with it, and their
// qdiscs: one delete undoes everything made for a node.
//
// Needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root here). Thread-safe; Namespace objects are owned
// by whoever created them (unique_ptr) and delete the namespace when destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab::netem {

// Whether this process may make network namespaces: it really makes and deletes one (the
// answer is cached). The error says why not, for `faaslab up` (exit 2) and for test skips.
Status check_namespace_support();

// Whether tc knows the netem qdisc here (sch_netem loaded or loadable): tried in a namespace
// of its own. Cached.
bool netem_available();

class Namespace {
 public:
  // Makes faaslab-<pid>-<node>. Errors: no rights, `ip` missing, the name taken.
  static Result<std::unique_ptr<Namespace>> create(const std::string& node);
  ~Namespace();  // deletes it, and every interface inside it
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }
  int fd() const { return fd_; }  // /run/netns/<name>, for setns

  // Runs `ip -n <name> ARGS...` (or `tc -n`, `tool` = "tc"); errors carry its stderr.
  Status run(const std::string& tool, const std::vector<std::string>& args) const;

 private:
  Namespace(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  std::string name_;
  int fd_ = -1;
};

// Puts the calling thread in `ns` for its scope (nullptr: the namespace the process started
// in), so that sockets it makes and processes it starts belong there; restores the thread's
// namespace after. A socket keeps the namespace it was made in, whichever thread uses it.
class EnterNamespace {
 public:
  explicit EnterNamespace(const Namespace* ns);
  ~EnterNamespace();
  EnterNamespace(const EnterNamespace&) = delete;
  EnterNamespace& operator=(const EnterNamespace&) = delete;
  const Status& status() const { return status_; }

 private:
  int saved_ = -1;
  Status status_ = Ok{};
};

// A new socket (close-on-exec) in `ns` (nullptr: the process's starting namespace).
Result<int> open_socket_in(const Namespace* ns, int domain, int type);

// A listening TCP socket in `ns` bound to address:port (port 0: one the kernel picks).
Result<int> listen_in(const Namespace* ns, const std::string& address, std::uint16_t port,
                      int backlog = 1024);
std::uint16_t local_port(int fd);

// Runs `ip` or `tc` in the process's starting namespace; errors carry its stderr.
Status run_host(const std::string& tool, const std::vector<std::string>& args);

// Deletes the faaslab namespaces whose owner process is gone; returns their names.
std::vector<std::string> remove_stale_namespaces();

// The faaslab namespaces that exist now (any owner).
std::vector<std::string> list_namespaces();

}  // namespace faaslab::netem
