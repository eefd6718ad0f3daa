#include "fn/handler.h"

#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/clock.h"
#include "common/json_error.h"

namespace faaslab::fn {
namespace {

using blur::Codec;

// Value of `key` in a query string ("a=1&b=2"), undecoded; nullopt if absent.
std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

struct Negotiated {
  std::optional<ResponseFormat> format;
  std::optional<Codec> codec;
};

// The first media range of Accept that names something we produce; "*/*" names nothing.
Negotiated from_accept(std::string_view accept) {
  Negotiated n;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "image/jpeg" || item == "image/png" || item == "image/*") {
      n.format = ResponseFormat::kImage;
      if (item != "image/*") n.codec = blur::codec_from_name(item);
      return n;
    }
    if (item == "application/json") {
      n.format = ResponseFormat::kJson;
      return n;
    }
    if (item == "text/plain") {
      n.format = ResponseFormat::kSeed;
      return n;
    }
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return n;
}

int status_for(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return 400;
    case Errc::kTooLarge:
      return 413;
    default:
      return 500;
  }
}

// Strips a data-URL prefix ("data:image/png;base64,") if present.
std::string_view strip_data_url(std::string_view body) {
  if (body.substr(0, 5) != "data:") return body;
  const auto comma = body.find(',');
  return comma == std::string_view::npos ? body : body.substr(comma + 1);
}

}  // namespace

FnResponse error_response(int status, const std::string& message) {
  FnResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json_error(message);
  r.headers = {{"X-Faces", "0"}, {"X-ML-Seconds", "0"}, {"X-Handler-Seconds", "0"}};
  return r;
}

std::string render_seed(const std::string& image_base64, double ml_seconds,
                        double handler_seconds) {
  std::string out;
  out.reserve(image_base64.size() + 128);
  out += "detection : Elapsed ML time: " + format_seconds(ml_seconds) + "\n";
  out += "Total time: " + format_seconds(handler_seconds) + "\n";
  out += "{'text': 'serveRR', 'img': '";
  out += image_base64;
  out += "'}\n";
  return out;
}

FnResponse FunctionHandler::handle(const FnRequest& request) const {
  Stopwatch watch;
  if (request.method != "POST" && request.method != "PUT") {
    auto r = error_response(405, "method " + request.method + " not allowed: POST an image");
    r.headers.emplace_back("Allow", "POST, PUT");
    return r;
  }

  // Negotiate the response before doing any work, so a bad request costs nothing.
  Negotiated want = from_accept(request.accept);
  if (auto f = query_param(request.target, "format")) {
    want.format = response_format_from_name(*f);
    if (!want.format)
      return error_response(400, "format '" + *f + "' is not one of image, json, seed");
  }
  if (auto c = query_param(request.target, "codec")) {
    want.codec = blur::codec_from_name(*c);
    if (!want.codec) return error_response(400, "codec '" + *c + "' is not one of jpeg, png");
  }

  if (request.body.empty())
    return error_response(400, "empty body: POST a JPEG or PNG image, or base64 text of one");
  const auto* raw = reinterpret_cast<const std::uint8_t*>(request.body.data());
  std::span<const std::uint8_t> image(raw, request.body.size());
  std::vector<std::uint8_t> decoded;
  const bool is_base64 = !blur::sniff_codec(image).has_value();
  if (is_base64) {
    auto bytes = base64_decode(strip_data_url(request.body));
    if (!bytes || bytes->empty()) {
      return error_response(400, "body is neither a JPEG/PNG image nor base64 text of one");
    }
    decoded = std::move(*bytes);
    image = decoded;
    if (!blur::sniff_codec(image))
      return error_response(400, "base64 body does not hold a JPEG or PNG image");
  }

  auto result = pipeline_.process(image, want.codec);
  if (!result) return error_response(status_for(result.error_code()), result.error());

  const ResponseFormat format = want.format.value_or(
      config_.response_format.value_or(is_base64 ? ResponseFormat::kJson : ResponseFormat::kImage));
  FnResponse r;
  const double ml = result->times.detect;
  switch (format) {
    case ResponseFormat::kImage:
      r.content_type = std::string(blur::codec_mime_type(result->codec));
      r.body.assign(result->image.begin(), result->image.end());
      break;
    case ResponseFormat::kJson: {
      nlohmann::json faces = nlohmann::json::array();
      for (const auto& f : result->faces) {
        faces.push_back({{"x", std::lround(f.box.x)},
                         {"y", std::lround(f.box.y)},
                         {"w", std::lround(f.box.width)},
                         {"h", std::lround(f.box.height)},
                         {"score", std::round(f.score * 1e4) / 1e4}});
      }
      nlohmann::json j = {{"img", base64_encode(result->image)},
                          {"codec", blur::codec_name(result->codec)},
                          {"width", result->width},
                          {"height", result->height},
                          {"faces", std::move(faces)},
                          {"ml_seconds", ml},
                          {"handler_seconds", watch.seconds()}};
      r.content_type = "application/json";
      r.body = j.dump() + "\n";
      break;
    }
    case ResponseFormat::kSeed:
      r.content_type = "text/plain; charset=utf-8";
      r.body = render_seed(base64_encode(result->image), ml, watch.seconds());
      break;
  }
  r.headers = {{"X-Faces", std::to_string(result->faces.size())},
               {"X-ML-Seconds", format_seconds(ml)},
               {"X-Handler-Seconds", format_seconds(watch.seconds())}};
  return r;
}

}  // namespace faaslab::fn
