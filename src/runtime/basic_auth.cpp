#include "runtime/basic_auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

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

std::string default_secrets_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/faaslab";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.config/faaslab";
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
  if (fs::exists(password_file)) {
    auto password = read_secret(password_file);
    if (!password) return password.error_value();
    c.password = *password;
    auto user =
        fs::exists(user_file) ? read_secret(user_file) : Result<std::string>(std::string("admin"));
    if (!user) return user.error_value();
    c.user = *user;
    c.source = dir.string();
    return c;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error("cannot create " + dir.string() + ": " + ec.message(), Errc::kUnavailable);
  ::chmod(dir.c_str(), 0700);
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
  c.user = "admin";
  for (int i = 0; i < 24; ++i) c.password += kAlphabet[pick(rd)];
  if (!fs::exists(user_file)) {
    if (auto st = write_secret(user_file, c.user); !st) return st.error_value();
  }
  if (auto st = write_secret(password_file, c.password); !st) return st.error_value();
  c.generated = true;
  c.source = dir.string();
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
