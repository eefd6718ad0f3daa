#include "netem/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>

#include "common/subprocess.h"

namespace faaslab::netem {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "faaslab-";
constexpr const char* kNetnsDir = "/run/netns";
constexpr const char* kLockDir = "/run/faaslab";
constexpr auto kToolTimeout = std::chrono::seconds(20);

// iproute2's tools live in /usr/sbin, which a user's PATH may lack.
std::optional<std::string> find_tool(const std::string& tool) {
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + tool;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Status run_tool(const std::string& tool, std::vector<std::string> args) {
  auto path = find_tool(tool);
  if (!path) return make_error(tool + ": not found (install iproute2)", Errc::kUnavailable);
  args.insert(args.begin(), *path);
  std::string shown;
  for (std::size_t i = 1; i < args.size(); ++i) shown += (i > 1 ? " " : "") + args[i];
  Subprocess p(args, {"LC_ALL=C"});
  if (!p.started()) return make_error(tool + ": " + p.start_error(), Errc::kUnavailable);
  const int code = p.wait(kToolTimeout);
  if (code != 0) {
    std::string why = p.err();
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return make_error("`" + tool + " " + shown +
                          "` failed: " + (why.empty() ? "exit " + std::to_string(code) : why),
                      Errc::kUnavailable);
  }
  return Ok{};
}

std::string lock_path(pid_t pid) {
  return std::string(kLockDir) + "/netns-" + std::to_string(pid) + ".lock";
}

// The flock that tells later runs this process is alive; taken once, held until exit.
Status hold_owner_lock() {
  static std::once_flag once;
  static Status status = Ok{};
  std::call_once(once, [] {
    std::error_code ec;
    fs::create_directories(kLockDir, ec);
    const std::string path = lock_path(::getpid());
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      status = make_error("cannot hold " + path + ": " + std::strerror(errno), Errc::kUnavailable);
      if (fd >= 0) ::close(fd);
      return;
    }
    // Kept open (and locked) for the life of the process: the lock ends with it.
  });
  return status;
}

// The owner pid in faaslab-<pid>-<node>, or nullopt.
std::optional<pid_t> owner_of(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::size_t start = std::strlen(kPrefix);
  const std::size_t dash = name.find('-', start);
  if (dash == std::string::npos || dash == start) return std::nullopt;
  pid_t pid = 0;
  for (std::size_t i = start; i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return std::nullopt;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

bool owner_alive(pid_t pid) {
  if (pid == ::getpid()) return true;
  const int fd = ::open(lock_path(pid).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // no lock file: its owner never took one, or cleaned up
  const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

}  // namespace

Status run_host(const std::string& tool, const std::vector<std::string>& args) {
  return run_tool(tool, args);
}

Status check_namespace_support() {
  static std::once_flag once;
  static Status status = Ok{};
  std::call_once(once, [] {
    if (!find_tool("ip")) {
      status =
          make_error("network namespaces: `ip` (iproute2) is not installed", Errc::kUnavailable);
      return;
    }
    auto probe = Namespace::create("probe");
    if (!probe) {
      status = make_error(
          "network namespaces cannot be made here (faaslab needs root, or "
          "CAP_SYS_ADMIN and CAP_NET_ADMIN): " +
              probe.error(),
          Errc::kUnavailable);
    }
  });
  return status;
}

bool netem_available() {
  static std::once_flag once;
  static bool available = false;
  std::call_once(once, [] {
    auto probe = Namespace::create("netem-probe");
    if (!probe) return;
    available =
        (*probe)->run("tc", {"qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"}).ok();
  });
  return available;
}

Result<std::unique_ptr<Namespace>> Namespace::create(const std::string& node) {
  if (auto held = hold_owner_lock(); !held) return held.error_value();
  const std::string name = kPrefix + std::to_string(::getpid()) + "-" + node;
  if (auto made = run_tool("ip", {"netns", "add", name}); !made) return made.error_value();
  const std::string path = std::string(kNetnsDir) + "/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    run_tool("ip", {"netns", "delete", name});
    return make_error("cannot open " + path + ": " + why, Errc::kUnavailable);
  }
  std::unique_ptr<Namespace> ns(new Namespace(name, fd));
  if (auto up = ns->run("ip", {"link", "set", "lo", "up"}); !up) return up.error_value();
  return ns;
}

Namespace::~Namespace() {
  if (fd_ >= 0) ::close(fd_);
  run_tool("ip", {"netns", "delete", name_});
}

Status Namespace::run(const std::string& tool, const std::vector<std::string>& args) const {
  std::vector<std::string> full = {"-n", name_};
  full.insert(full.end(), args.begin(), args.end());
  return run_tool(tool, full);
}

// The namespace the process started in, opened before main() runs (so before any thread moved).
const int kInitialNamespace = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

EnterNamespace::EnterNamespace(const Namespace* ns) {
  const int target = ns ? ns->fd() : kInitialNamespace;
  if (target < 0) {
    status_ = make_error("cannot open the process's network namespace", Errc::kUnavailable);
    return;
  }
  saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved_ < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    status_ = make_error(std::string("setns: ") + std::strerror(errno), Errc::kUnavailable);
    if (saved_ >= 0) ::close(saved_);
    saved_ = -1;
  }
}

EnterNamespace::~EnterNamespace() {
  if (saved_ < 0) return;
  // Cannot fail for a namespace this thread was just in; if it did, the thread would make
  // sockets in the wrong place, so stop rather than go on.
  if (::setns(saved_, CLONE_NEWNET) != 0) std::abort();
  ::close(saved_);
}

Result<int> open_socket_in(const Namespace* ns, int domain, int type) {
  EnterNamespace in(ns);
  if (!in.status()) return in.status().error_value();
  const int fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), Errc::kUnavailable);
  return fd;
}

Result<int> listen_in(const Namespace* ns, const std::string& address, std::uint16_t port,
                      int backlog) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    return make_error("not an IPv4 address: " + address);
  auto fd = open_socket_in(ns, AF_INET, SOCK_STREAM);
  if (!fd) return fd;
  const int one = 1;
  ::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(*fd, backlog) != 0) {
    const std::string why = std::strerror(errno);
    ::close(*fd);
    return make_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + why,
                      Errc::kUnavailable);
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (owner_of(name)) names.push_back(name);
  }
  return names;
}

std::vector<std::string> remove_stale_namespaces() {
  std::vector<std::string> removed;
  std::vector<pid_t> dead;
  for (const std::string& name : list_namespaces()) {
    const pid_t pid = *owner_of(name);
    if (owner_alive(pid)) continue;
    if (run_tool("ip", {"netns", "delete", name})) removed.push_back(name);
    dead.push_back(pid);
  }
  for (pid_t pid : dead) ::unlink(lock_path(pid).c_str());
  // Lock files of owners that are gone and left no namespace.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kLockDir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("netns-", 0) != 0 || file.size() < 12) continue;
    const std::string digits = file.substr(6, file.size() - 6 - 5);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (!owner_alive(pid)) ::unlink(entry.path().c_str());
  }
  return removed;
}

}  // namespace faaslab::netem
