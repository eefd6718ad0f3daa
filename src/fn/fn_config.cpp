#include "fn/fn_config.h"

#include <strings.h>
#include <algorithm>

#include "common/env_reader.h"

namespace faaslab::fn {
namespace {

template <class Enum>
auto enum_parser(std::optional<Enum> (*from_name)(std::string_view), const char* choices) {
  return [from_name, choices](const std::string& s) -> Result<Enum> {
    if (auto v = from_name(s)) return *v;
    return make_error("'" + s + "' is not one of " + choices);
  };
}

}  // namespace

std::string_view response_format_name(ResponseFormat f) {
  switch (f) {
    case ResponseFormat::kImage:
      return "image";
    case ResponseFormat::kJson:
      return "json";
    case ResponseFormat::kSeed:
      return "seed";
  }
  return "?";
}

std::optional<ResponseFormat> response_format_from_name(std::string_view name) {
  for (auto f : {ResponseFormat::kImage, ResponseFormat::kJson, ResponseFormat::kSeed}) {
    const auto n = response_format_name(f);
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return f;
  }
  return std::nullopt;
}

Result<FnConfig> parse_fn_config(const EnvList& list) {
  const Env env(list);
  FnConfig c;
  auto& p = c.pipeline;
  using env_value::boolean, env_value::byte_size, env_value::count, env_value::duration,
      env_value::integer, env_value::real, env_value::text;
  long port = c.port, workers = c.workers, cv_threads = c.opencv_threads,
       tiles = p.detector.tile_levels;
  long jpeg_quality = p.encode.jpeg_quality, png_level = p.encode.png_level;

  const Status steps[] = {
      read_env(env, "bind", c.bind, text()),
      read_env(env, "port", port, integer(0, 65535)),
      read_env(env, "workers", workers, integer(0, 1024)),
      read_env(env, "opencv_threads", cv_threads, integer(0, 1024)),
      read_env(env, "max_body_size", c.max_body_bytes, byte_size()),
      read_env(env, "read_timeout", c.read_timeout, duration()),
      read_env(env, "write_timeout", c.write_timeout, duration()),
      read_env(env, "suppress_lock", c.suppress_lock, boolean()),
      read_env(env, "warm_up", c.warm_up, boolean()),
      read_env(env, "log_level", c.log_level, text()),
      read_env(env, "response_format", c.response_format,
               [](const std::string& s) -> Result<std::optional<ResponseFormat>> {
                 if (auto f = response_format_from_name(s))
                   return std::optional<ResponseFormat>(*f);
                 return make_error("'" + s + "' is not one of image, json, seed");
               }),
      read_env(env, "detector", p.detector.kind,
               enum_parser(&blur::detector_from_name, "blazeface128, blazeface256, haar")),
      read_env(env, "score_threshold", p.detector.score_threshold, real(0.01f, 0.99f)),
      read_env(env, "tile_levels", tiles, integer(1, 4)),
      read_env(env, "models_dir", p.detector.models_dir, text()),
      read_env(env, "haar_cascade", p.detector.haar_cascade, text()),
      read_env(env, "blur", p.anonymize.method,
               enum_parser(&blur::blur_method_from_name, "gaussian, box, pixelate")),
      read_env(env, "blur_margin", p.anonymize.margin, real(0.0f, 2.0f)),
      read_env(env, "blur_strength", p.anonymize.strength, real(0.1f, 10.0f)),
      read_env(env, "max_pixels", p.limits.max_pixels, count()),
      read_env(env, "jpeg_quality", jpeg_quality, integer(1, 100)),
      read_env(env, "png_level", png_level, integer(0, 3)),
  };
  for (const auto& st : steps) {
    if (!st) return st.error_value();
  }
  if (c.max_body_bytes == 0) return make_error("max_body_size: must be positive");
  if (p.limits.max_pixels == 0) return make_error("max_pixels: must be positive");
  c.port = static_cast<std::uint16_t>(port);
  c.workers = static_cast<int>(workers);
  c.opencv_threads = static_cast<int>(cv_threads);
  p.detector.tile_levels = static_cast<int>(tiles);
  p.encode.jpeg_quality = static_cast<int>(jpeg_quality);
  p.encode.png_level = static_cast<int>(png_level);
  return c;
}

FnConfig resolve_defaults(FnConfig c, int cores) {
  cores = std::max(1, cores);
  if (c.workers <= 0) c.workers = cores;
  if (c.opencv_threads <= 0) c.opencv_threads = std::max(1, cores / c.workers);
  c.pipeline.concurrency = c.workers;
  c.pipeline.encode.png_threads = c.opencv_threads;
  return c;
}

}  // namespace faaslab::fn
