#include "fn/app.h"

#include <spdlog/spdlog.h>
#include <opencv2/core.hpp>

#include <charconv>
#include <iostream>
#include <iterator>
#include <optional>

#include "blur/image_codec.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/fork_server.h"
#include "common/lock_file.h"
#include "common/shutdown_signals.h"
#include "fn/handler.h"
#include "fn/server.h"

namespace faaslab::fn {

int serve_http(const FnConfig& config) {
  Stopwatch since_start;
  // Block the shutdown signals in every thread (threads inherit the mask) and wait for them here.
  ShutdownSignals signals;

  cv::setNumThreads(config.opencv_threads);
  ServerOptions so;
  so.bind = config.bind;
  so.port = config.port;
  so.workers = config.workers;
  so.max_body_bytes = config.max_body_bytes;
  so.read_timeout = config.read_timeout;
  so.write_timeout = config.write_timeout;
  FunctionServer server(so);
  if (auto st = server.start(); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }
  // Listening already (health answers 503) while the model loads.
  auto pipeline = blur::BlurPipeline::create(config.pipeline);
  if (!pipeline) {
    spdlog::error("{}", pipeline.error());
    return 1;
  }
  // Every worker's detector built now, in parallel: without this the first request on each
  // worker but one paid 10-20 ms more (building a net and its first forward pass).
  if (config.warm_up) {
    if (auto st = (*pipeline)->warm_up(); !st) {
      spdlog::error("{}", st.error());
      return 1;
    }
  }
  FunctionHandler handler(**pipeline, config);
  server.set_handler([&handler](const FnRequest& r) { return handler.handle(r); });
  LockFile lock(temp_dir() + "/.lock");
  if (!config.suppress_lock) {
    if (auto st = lock.create(); !st) spdlog::warn("{}", st.error());
  }
  spdlog::info(
      "faaslab-fn ready on {}:{} in {:.1f} ms ({} workers, {} OpenCV threads, detector {})",
      config.bind, server.port(), since_start.seconds() * 1e3, config.workers,
      config.opencv_threads, blur::detector_name(config.pipeline.detector.kind));

  const auto received = signals.wait();
  spdlog::info("received {}, draining ({} in flight) for up to {}", ShutdownSignals::name(received),
               server.in_flight(), format_duration(config.write_timeout));
  lock.remove();
  const int abandoned = server.shutdown(config.write_timeout);
  if (abandoned > 0) spdlog::warn("{} requests still in flight at the end of the drain", abandoned);
  spdlog::info("served {} requests; exiting", server.requests_served());
  return 0;
}

namespace {

// The request from the classic watchdog's CGI variables and `in`, read to at most one byte over
// the limit (to tell "at the limit" from "over it"); nullopt, with a message, when over it.
std::optional<FnRequest> read_request(const FnConfig& config, const EnvList& env_list,
                                      std::istream& in, std::ostream& err) {
  const Env env(env_list);
  FnRequest request;
  request.method = "POST";
  request.target = env.get_or("Http_Path", "/");
  if (auto q = env.get("Http_Query")) request.target += "?" + *q;
  request.accept = env.get_or("Http_Accept", "");
  // In pieces, to at most one byte over the limit: a body the size of the limit allocated up
  // front was 32 MiB zeroed per request (page faults and all), most of a fork child's time.
  // The classic watchdog says how much is coming: one allocation, not a doubling series of
  // them (each page a fork child writes is a fault).
  if (auto length = env.get("Http_ContentLength")) {
    std::size_t n = 0;
    const auto [p, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec == std::errc() && n <= config.max_body_bytes) request.body.reserve(n + 1);
  }
  char piece[64 * 1024];
  while (request.body.size() <= config.max_body_bytes) {
    const std::size_t want =
        std::min(sizeof piece, config.max_body_bytes + 1 - request.body.size());
    in.read(piece, static_cast<std::streamsize>(want));
    const auto got = static_cast<std::size_t>(in.gcount());
    request.body.append(piece, got);
    if (got < want) break;
  }
  if (request.body.size() > config.max_body_bytes) {
    err << "faaslab-fn: input is over the limit of " << config.max_body_bytes
        << " bytes (max_body_size)\n";
    return std::nullopt;
  }
  return request;
}

int respond(const FunctionHandler& handler, const FnRequest& request, std::ostream& out,
            std::ostream& err) {
  const FnResponse response = handler.handle(request);
  if (response.status != 200) {
    err << "faaslab-fn: " << response.body;  // the one-line JSON error
    return response.status == 413 ? 2 : response.status >= 500 ? 3 : 1;
  }
  out.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
  out.flush();
  return out ? 0 : 3;
}

// A frame through the whole handler once, so that what its first use sets up (the detector's
// buffers for its input size, this thread's JPEG codec handles, the allocator's arenas) is in
// the template before the first fork, and each child starts warm.
Status warm_up_handler(const FunctionHandler& handler) {
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(96, 128, 160));
  auto jpeg = blur::encode_image(frame, blur::Codec::kJpeg);
  if (!jpeg) return make_error("cannot encode the warm-up frame: " + jpeg.error());
  FnRequest request;
  request.method = "POST";
  request.target = "/";
  request.body.assign(jpeg->begin(), jpeg->end());
  const FnResponse response = handler.handle(request);
  if (response.status != 200) return make_error("warm-up request failed: " + response.body);
  return Ok{};
}

}  // namespace

int serve_stdin(const FnConfig& config, const EnvList& env_list, std::istream& in,
                std::ostream& out, std::ostream& err) {
  cv::setNumThreads(config.opencv_threads);
  auto request = read_request(config, env_list, in, err);
  if (!request) return 2;
  auto pipeline = blur::BlurPipeline::create(config.pipeline);
  if (!pipeline) {
    err << "faaslab-fn: " << pipeline.error() << "\n";
    return 3;
  }
  const FunctionHandler handler(**pipeline, config);
  return respond(handler, *request, out, err);
}

int serve_fork_template(const FnConfig& config, int control_fd) {
  Stopwatch since_start;
  // One OpenCV thread: its pool would be threads in the template, which fork cannot copy.
  cv::setNumThreads(1);
  auto pipeline = blur::BlurPipeline::create(config.pipeline);
  if (!pipeline) {
    spdlog::error("{}", pipeline.error());
    return 3;
  }
  const FunctionHandler handler(**pipeline, config);
  if (auto st = warm_up_handler(handler); !st) {
    spdlog::error("{}", st.error());
    return 3;
  }
  spdlog::info("faaslab-fn fork template loaded and warm in {:.1f} ms (detector {}, {} threads)",
               since_start.seconds() * 1e3, blur::detector_name(config.pipeline.detector.kind),
               fork_server::thread_count());
  return fork_server::serve(control_fd, [&](const EnvList& env) {
    auto request = read_request(config, env, std::cin, std::cerr);
    if (!request) return 2;
    return respond(handler, *request, std::cout, std::cerr);
  });
}

}  // namespace faaslab::fn
