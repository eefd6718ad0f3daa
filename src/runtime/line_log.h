// Splits a process's output stream into lines and logs each with a prefix ("[fn-1] ",
// "fprocess: "); a line over 64 KiB is logged in pieces. `on_line`, if set, sees every line
// too (the pool keeps a replica's last line to explain a failed start).
//
// Not thread-safe: one stream's chunks arrive in order on one strand.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace faaslab::runtime {

class LineLog {
 public:
  explicit LineLog(std::string prefix, std::function<void(const std::string&)> on_line = {})
      : prefix_(std::move(prefix)), on_line_(std::move(on_line)) {}

  void feed(std::string_view data);
  void flush();  // at the end of the stream: the unfinished last line

 private:
  void emit(const std::string& line);
  std::string prefix_;
  std::function<void(const std::string&)> on_line_;
  std::string buffer_;
};

class AsyncProcess;

// Logs both of `process`'s output streams, each through a LineLog of its own with `prefix`
// (the function's output in a watchdog, a replica's in the gateway), until they end.
void log_output(AsyncProcess& process, const std::string& prefix,
                std::function<void(const std::string&)> on_line = {});

}  // namespace faaslab::runtime
