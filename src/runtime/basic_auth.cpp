#include "runtime/basic_auth.h"

#include <fcntl.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "common/base64.h"

namespace faaslab::runtime {
namespace fs = std::filesystem;
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<std::string> read_secret(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read " + path.string());
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  s = trim(s);
  if (s.empty()) return make_error(path.string() + " is empty");
  return s;
}

Status write_secret(const fs::path& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return make_error("cannot create " + path.string() + ": " + std::strerror(errno),
                      Errc::kUnavailable);
  const std::string line = value + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) return make_error("cannot write " + path.string(), Errc::kUnavailable);
  return Ok{};
}

// Warnings about a secrets file (or the directory, `what`) others could read or replace: any
// group or other permission on a file; a directory not owned by this user, or that others may
// write to. Only warns: the files still work, and the fix (chmod, chown) is the owner's.
void warn_if_exposed(const fs::path& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  const unsigned mode = st.st_mode & 07777;
  const bool directory = S_ISDIR(st.st_mode);
  if (st.st_uid != ::geteuid()) {
    spdlog::warn(
        "{} {} (mode {:04o}) is owned by uid {}, not by this user (uid {}): whoever owns "
        "it can read or replace the gateway's credentials",
        what, path.string(), mode, st.st_uid, ::geteuid());
  }
  if (!directory && (mode & 077) != 0) {
    spdlog::warn("{} {} is mode {:04o}: group or others can read it (chmod 600 {})", what,
                 path.string(), mode, path.string());
  } else if (directory && (mode & 022) != 0) {
    spdlog::warn("{} {} is mode {:04o}: group or others can replace the files in it (chmod 700 {})",
                 what, path.string(), mode, path.string());
  }
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

// Where the credentials live when --secrets-dir is not given. As faas-cli finds its
// ~/.openfaas (through go-homedir): $HOME, else the home directory of this user in the password
// database; and within it the XDG base directory, ~/.config, unless $XDG_CONFIG_HOME says
// otherwise. Never a shared directory: without a home of its own there is no default (a
// /tmp/.config/faaslab would be anybody's to create first), so the gateway asks for
// --secrets-dir.
Result<std::string> default_secrets_dir(const Env& env) {
  if (auto x = env.get("XDG_CONFIG_HOME")) return *x + "/faaslab";
  if (auto home = env.get("HOME")) return *home + "/.config/faaslab";
  std::vector<char> buffer(16384);
  struct passwd entry {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found &&
      found->pw_dir && *found->pw_dir) {
    return std::string(found->pw_dir) + "/.config/faaslab";
  }
  return make_error(
      "no directory for the gateway's credentials: HOME is not set and this user (uid " +
      std::to_string(::geteuid()) +
      ") has no home directory in the password database; give one with --secrets-dir");
}

Result<Credentials> load_or_create_credentials(const std::string& secrets_dir, const Env& env) {
  Credentials c;
  if (auto u = env.get("basic_auth_user"), p = env.get("basic_auth_password"); u && p) {
    c.user = *u;
    c.password = *p;
    c.source = "environment (basic_auth_user, basic_auth_password)";
    return c;
  }
  const fs::path dir(secrets_dir);
  const fs::path user_file = dir / "basic-auth-user", password_file = dir / "basic-auth-password";
  // The user: the file's when there is one (also when the password is generated below, so the
  // run that generates it accepts the same user as every later run), else "admin".
  c.user = "admin";
  std::error_code unreachable;  // a file that cannot be reached counts as absent; reading it says why
  const bool user_file_exists = fs::exists(user_file, unreachable);
  if (user_file_exists) {
    warn_if_exposed(user_file, "secrets file");
    auto user = read_secret(user_file);
    if (!user) return user.error_value();
    c.user = *user;
  }
  if (fs::exists(password_file, unreachable)) {
    warn_if_exposed(dir, "secrets directory");
    warn_if_exposed(password_file, "secrets file");
    auto password = read_secret(password_file);
    if (!password) return password.error_value();
    c.password = *password;
    c.source = dir.string();
    return c;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error("cannot create " + dir.string() + ": " + ec.message(), Errc::kUnavailable);
  ::chmod(dir.c_str(), 0700);
  warn_if_exposed(dir, "secrets directory");  // still not ours, or not 0700, after the chmod
  c = random_credentials(c.user, dir.string());
  if (!user_file_exists) {
    if (auto st = write_secret(user_file, c.user); !st) return st.error_value();
  }
  if (auto st = write_secret(password_file, c.password); !st) return st.error_value();
  return c;
}

Credentials random_credentials(std::string user, std::string source) {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
  Credentials c;
  c.user = std::move(user);
  for (int i = 0; i < 24; ++i) c.password += kAlphabet[pick(rd)];
  c.generated = true;
  c.source = std::move(source);
  return c;
}

bool check_basic_auth(std::string_view authorization, const Credentials& credentials) {
  constexpr std::string_view kPrefix = "Basic ";
  if (authorization.size() <= kPrefix.size() || authorization.substr(0, kPrefix.size()) != kPrefix)
    return false;
  const auto decoded = base64_decode(authorization.substr(kPrefix.size()));
  if (!decoded) return false;
  const std::string text(decoded->begin(), decoded->end());
  return equal_constant_time(text, credentials.user + ":" + credentials.password);
}

}  // namespace faaslab::runtime
