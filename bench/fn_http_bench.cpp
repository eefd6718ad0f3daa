// faaslab-fn's HTTP layer and process start, measured against the pipeline called in process.
//
//   build/bin/fn_http_bench [--requests=N] [--seconds=S] [--cold=N]
//
// 1. Overhead: latency of FunctionHandler::handle() called directly, one request at a time,
//    against a keep-alive HTTP round trip on 127.0.0.1 to a FunctionServer in this process that
//    calls the same handler. Same frame, same pipeline, interleaved so noise hits both alike.
// 2. Scaling: requests per second of a server with 1 worker and with 2 workers (OpenCV
//    single-threaded), each driven by 4 keep-alive clients for S seconds.
// 3. Cold start: a new faaslab-fn process, from spawn to the first response (the JPEG frame),
//    N times; and the --stdin mode (spawn, one frame through stdin/stdout, exit).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "bench_frames.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/malloc_tuning.h"
#include "common/subprocess.h"
#include "fn/handler.h"
#include "fn/server.h"

namespace {

using namespace faaslab;
using namespace std::chrono_literals;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string jpeg_frame() {
  const auto& f = bench::bench_frames().jpeg;
  return {f.begin(), f.end()};
}

fn::FnConfig config_with(int workers) {
  return fn::resolve_defaults(
      *fn::parse_fn_config({"workers=" + std::to_string(workers), "opencv_threads=1"}), 2);
}

void overhead(int requests) {
  const fn::FnConfig config = config_with(1);
  auto pipeline = blur::BlurPipeline::create(config.pipeline);
  fn::FunctionHandler handler(**pipeline, config);
  fn::ServerOptions so;
  so.port = 0;
  so.workers = 1;
  fn::FunctionServer server(so);
  if (!server.start()) std::exit(1);
  server.set_handler([&](const fn::FnRequest& r) { return handler.handle(r); });
  HttpClient client("127.0.0.1", server.port());
  fn::FnRequest direct;
  direct.body = jpeg_frame();
  HttpRequest over_http{"POST", "/", {{"Content-Type", "image/jpeg"}}, direct.body};
  std::vector<double> in_process, http, http_minus_handler;
  for (int i = 0; i < requests + 10; ++i) {
    Stopwatch a;
    auto r1 = handler.handle(direct);
    const double t1 = a.seconds();
    Stopwatch b;
    auto r2 = client.send(over_http, 30s);
    const double t2 = b.seconds();
    if (r1.status != 200 || !r2.ok() || r2->status != 200) std::exit(2);
    if (i >= 10) {  // the first ten warm the caches
      in_process.push_back(t1 * 1e3);
      http.push_back(t2 * 1e3);
      // What the HTTP path adds to this very request: the round trip minus the handler's own
      // time on the server (X-Handler-Seconds), immune to the handler's run-to-run noise.
      http_minus_handler.push_back((t2 - std::stod(r2->header("X-Handler-Seconds"))) * 1e3);
    }
  }
  server.shutdown(5s);
  std::printf("## 1. HTTP overhead (1308x888 JPEG, %d requests, sequential)\n\n", requests);
  std::printf("| path | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|\n");
  std::printf("| handler in process | %.2f | %.2f | %.2f |\n", percentile(in_process, .5),
              percentile(in_process, .9), percentile(in_process, .99));
  std::printf("| HTTP keep-alive, 127.0.0.1 | %.2f | %.2f | %.2f |\n", percentile(http, .5),
              percentile(http, .9), percentile(http, .99));
  std::printf(
      "| HTTP round trip minus the server's X-Handler-Seconds, per request | %.2f | %.2f | %.2f "
      "|\n",
      percentile(http_minus_handler, .5), percentile(http_minus_handler, .9),
      percentile(http_minus_handler, .99));
  std::printf(
      "\nHTTP adds %.2f ms at p50 as the difference of medians (ratio %.3f); %.2f ms per "
      "request.\n\n",
      percentile(http, .5) - percentile(in_process, .5),
      percentile(http, .5) / percentile(in_process, .5), percentile(http_minus_handler, .5));
}

double throughput(int workers, double seconds, int clients) {
  const fn::FnConfig config = config_with(workers);
  auto pipeline = blur::BlurPipeline::create(config.pipeline);
  fn::FunctionHandler handler(**pipeline, config);
  fn::ServerOptions so;
  so.port = 0;
  so.workers = workers;
  fn::FunctionServer server(so);
  if (!server.start()) std::exit(1);
  server.set_handler([&](const fn::FnRequest& r) { return handler.handle(r); });
  const HttpRequest request{"POST", "/", {{"Content-Type", "image/jpeg"}}, jpeg_frame()};
  std::atomic<bool> stop{false};
  std::atomic<long> done{0}, failed{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      HttpClient client("127.0.0.1", server.port());
      while (!stop) {
        auto r = client.send(request, 30s);
        (r.ok() && r->status == 200 ? done : failed)++;
      }
    });
  }
  std::this_thread::sleep_for(500ms);  // warm-up, not counted
  const long start = done;
  Stopwatch watch;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const long end = done;
  const double elapsed = watch.seconds();
  stop = true;
  for (auto& t : threads) t.join();
  server.shutdown(5s);
  if (failed) std::fprintf(stderr, "%ld requests failed\n", failed.load());
  return static_cast<double>(end - start) / elapsed;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

void cold_start(int runs) {
  const std::string binary = std::string(FAASLAB_BINARY_DIR) + "/bin/faaslab-fn";
  const HttpRequest request{"POST", "/", {{"Content-Type", "image/jpeg"}}, jpeg_frame()};
  std::vector<double> http_ms, stdin_ms;
  for (int i = 0; i < runs; ++i) {
    const std::uint16_t port = free_port();
    Stopwatch watch;
    Subprocess fn({binary},
                  {"port=" + std::to_string(port), "suppress_lock=true", "log_level=warn"});
    bool answered = false;
    // Connection refused until the process listens; bounded to 10 s.
    while (!answered && watch.seconds() < 10) {
      auto r = http_request("127.0.0.1", port, request, 10s);
      if (r.ok()) {
        answered = r->status == 200;
        break;
      }
      std::this_thread::sleep_for(200us);
    }
    const double t = watch.seconds();
    fn.signal(SIGTERM);
    fn.wait(10s);
    if (!answered) std::exit(3);
    http_ms.push_back(t * 1e3);

    Stopwatch watch2;
    Subprocess once({binary, "--stdin"}, {"log_level=warn"});
    once.write_stdin_and_close(request.body);
    if (once.wait(10s) != 0) std::exit(4);
    stdin_ms.push_back(watch2.seconds() * 1e3);
  }
  std::printf("## 3. Cold start: new process to first answer (JPEG frame, %d runs)\n\n", runs);
  std::printf("| mode | min ms | median ms | max ms |\n|---|---|---|---|\n");
  std::printf("| HTTP: spawn, listen, load model, answer | %.1f | %.1f | %.1f |\n",
              percentile(http_ms, 0), percentile(http_ms, .5), percentile(http_ms, 1));
  std::printf("| --stdin: spawn, load model, answer, exit | %.1f | %.1f | %.1f |\n\n",
              percentile(stdin_ms, 0), percentile(stdin_ms, .5), percentile(stdin_ms, 1));
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 200, cold = 20;
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--requests=", 11) == 0)
      requests = std::atoi(argv[i] + 11);
    else if (std::strncmp(argv[i], "--seconds=", 10) == 0)
      seconds = std::atof(argv[i] + 10);
    else if (std::strncmp(argv[i], "--cold=", 7) == 0)
      cold = std::atoi(argv[i] + 7);
    else
      return std::fprintf(stderr, "usage: fn_http_bench [--requests=N] [--seconds=S] [--cold=N]\n"),
             2;
  }
  cv::setNumThreads(1);
  faaslab::keep_large_buffers_in_heap();  // as faaslab-fn does
  overhead(requests);
  const double one = throughput(1, seconds, 4), two = throughput(2, seconds, 4);
  std::printf("## 2. Throughput, 4 keep-alive clients, %.0f s each\n\n", seconds);
  std::printf("| workers | requests/s |\n|---|---|\n| 1 | %.1f |\n| 2 | %.1f |\n\n", one, two);
  std::printf("2 workers / 1 worker = %.2fx\n\n", two / one);
  cold_start(cold);
  return 0;
}
