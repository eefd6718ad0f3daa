#include "fn/fn_config.h"

#include <strings.h>
#include <algorithm>
#include <charconv>

namespace faaslab::fn {
namespace {

// Reads optional variable `key` with `parse`, naming the variable in any error.
template <class T, class Parse>
Status read(const Env& env, const char* key, T& out, Parse parse) {
  const auto v = env.get(key);
  if (!v) return Ok{};
  auto parsed = parse(*v);
  if (!parsed) return make_error(std::string(key) + ": " + parsed.error());
  out = *parsed;
  return Ok{};
}

Result<long> parse_int(const std::string& s, long lo, long hi) {
  long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    return make_error("'" + s + "' is not an integer");
  if (v < lo || v > hi)
    return make_error(std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return v;
}

Result<float> parse_float(const std::string& s, float lo, float hi) {
  try {
    std::size_t used = 0;
    const float v = std::stof(s, &used);
    if (used != s.size()) return make_error("'" + s + "' is not a number");
    if (!(v >= lo && v <= hi))
      return make_error(s + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        "]");
    return v;
  } catch (const std::exception&) {
    return make_error("'" + s + "' is not a number");
  }
}

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
  auto int_in = [](long lo, long hi) {
    return [lo, hi](const std::string& s) { return parse_int(s, lo, hi); };
  };
  auto float_in = [](float lo, float hi) {
    return [lo, hi](const std::string& s) { return parse_float(s, lo, hi); };
  };
  auto as_string = [](const std::string& s) -> Result<std::string> { return s; };
  long port = c.port, workers = c.workers, cv_threads = c.opencv_threads,
       tiles = p.detector.tile_levels;
  long jpeg_quality = p.encode.jpeg_quality, png_level = p.encode.png_level;

  const Status steps[] = {
      read(env, "bind", c.bind, as_string),
      read(env, "port", port, int_in(0, 65535)),
      read(env, "workers", workers, int_in(0, 1024)),
      read(env, "opencv_threads", cv_threads, int_in(0, 1024)),
      read(env, "max_body_size", c.max_body_bytes,
           [](const std::string& s) { return parse_byte_size(s); }),
      read(env, "read_timeout", c.read_timeout,
           [](const std::string& s) { return parse_duration(s); }),
      read(env, "write_timeout", c.write_timeout,
           [](const std::string& s) { return parse_duration(s); }),
      read(env, "suppress_lock", c.suppress_lock,
           [](const std::string& s) { return parse_bool(s); }),
      read(env, "warm_up", c.warm_up, [](const std::string& s) { return parse_bool(s); }),
      read(env, "log_level", c.log_level, as_string),
      read(env, "response_format", c.response_format,
           [](const std::string& s) -> Result<std::optional<ResponseFormat>> {
             if (auto f = response_format_from_name(s)) return std::optional<ResponseFormat>(*f);
             return make_error("'" + s + "' is not one of image, json, seed");
           }),
      read(env, "detector", p.detector.kind,
           enum_parser(&blur::detector_from_name, "blazeface128, blazeface256, haar")),
      read(env, "score_threshold", p.detector.score_threshold, float_in(0.01f, 0.99f)),
      read(env, "tile_levels", tiles, int_in(1, 4)),
      read(env, "models_dir", p.detector.models_dir, as_string),
      read(env, "haar_cascade", p.detector.haar_cascade, as_string),
      read(env, "blur", p.anonymize.method,
           enum_parser(&blur::blur_method_from_name, "gaussian, box, pixelate")),
      read(env, "blur_margin", p.anonymize.margin, float_in(0.0f, 2.0f)),
      read(env, "blur_strength", p.anonymize.strength, float_in(0.1f, 10.0f)),
      read(env, "max_pixels", p.limits.max_pixels,
           [](const std::string& s) { return parse_count(s); }),
      read(env, "jpeg_quality", jpeg_quality, int_in(1, 100)),
      read(env, "png_level", png_level, int_in(0, 3)),
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
