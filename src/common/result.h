// Result<T>: a value or an error message. Expected failures (bad input, timeouts, refused
// connections) travel as values, as LevelDB's Status does; exceptions stay for bugs.
#pragma once

#include <string>
#include <utility>
#include <variant>

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move when a Result holds a large
// type (a Beast message): a known false positive (GCC bug 80635). Silenced for this header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace faaslab {

// What kind of failure an Error is, so servers can map it to a status code.
enum class Errc {
  kInvalidArgument,  // malformed input (HTTP 400)
  kTooLarge,         // input over a configured limit (HTTP 413)
  kTimeout,          // a deadline passed
  kUnavailable,      // a peer or resource failed (reset, closed, malformed answer)
  kConnectFailed,    // a peer could not be connected to: nothing was sent
  kInternal,         // a bug or an environment problem (HTTP 500)
  kConflict,         // the input contradicts what is already stored (HTTP 409)
};

struct Error {
  std::string message;
  Errc code = Errc::kInvalidArgument;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The error; only meaningful when !ok() (an empty Error otherwise).
  const Error& error_value() const {
    static const Error kNone{};
    const Error* e = std::get_if<1>(&v_);
    return e ? *e : kNone;
  }
  const std::string& error() const { return error_value().message; }
  Errc error_code() const { return error_value().code; }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message, Errc code = Errc::kInvalidArgument) {
  return Error{std::move(message), code};
}

}  // namespace faaslab

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
