#include "fn/handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "fn_test_support.h"

namespace faaslab::fn {
namespace {

using testing_support::astronaut_as;
using testing_support::shared_pipeline;

FnConfig default_config() {
  return resolve_defaults(*parse_fn_config({}), 2);
}

FnResponse post(const std::string& body, const std::string& target = "/",
                const std::string& accept = "", const FnConfig& config = default_config()) {
  FunctionHandler handler(shared_pipeline(), config);
  FnRequest r;
  r.target = target;
  r.accept = accept;
  r.body = body;
  return handler.handle(r);
}

std::string header(const FnResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

std::string b64(const std::string& s) {
  return base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

TEST(Handler, RawImageInImageOutSameCodec) {
  for (const char* ext : {".jpg", ".png"}) {
    const auto r = post(astronaut_as(ext));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, std::string(ext) == ".jpg" ? "image/jpeg" : "image/png");
    EXPECT_EQ(
        blur::sniff_codec({reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size()}),
        std::string(ext) == ".jpg" ? blur::Codec::kJpeg : blur::Codec::kPng);
    EXPECT_EQ(header(r, "X-Faces"), "1");
    EXPECT_GT(std::stod(header(r, "X-ML-Seconds")), 0);
    EXPECT_GE(std::stod(header(r, "X-Handler-Seconds")), std::stod(header(r, "X-ML-Seconds")));
  }
}

TEST(Handler, Base64InJsonOut) {
  const auto r = post(b64(astronaut_as(".png")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["codec"], "png");
  EXPECT_EQ(j["width"], 512);
  ASSERT_EQ(j["faces"].size(), 1u);
  for (const char* k : {"x", "y", "w", "h", "score"}) EXPECT_TRUE(j["faces"][0].contains(k)) << k;
  EXPECT_GT(j["ml_seconds"].get<double>(), 0);
  EXPECT_GE(j["handler_seconds"].get<double>(), j["ml_seconds"].get<double>());
  const auto img = base64_decode(j["img"].get<std::string>());
  ASSERT_TRUE(img);
  EXPECT_EQ(blur::sniff_codec(*img), blur::Codec::kPng);
}

TEST(Handler, SeedFormatIsWhatTheStudysClientParses) {
  FnConfig config = default_config();
  config.response_format = ResponseFormat::kSeed;  // as a stack.yml for the study sets it
  const auto r = post(b64(astronaut_as(".png")), "/", "*/*", config);
  ASSERT_EQ(r.status, 200) << r.body;
  // Exactly three lines, in the study handler's words.
  ASSERT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 3);
  EXPECT_EQ(r.body.rfind("detection : Elapsed ML time: ", 0), 0u);
  EXPECT_NE(r.body.find("\nTotal time: "), std::string::npos);
  EXPECT_NE(r.body.find("\n{'text': 'serveRR', 'img': '"), std::string::npos);
  testing_support::SeedParse parsed;
  ASSERT_TRUE(testing_support::parse_like_study_client(r.body, parsed));
  EXPECT_EQ(parsed.img_lines, 1);  // no other line mentions img
  EXPECT_GT(std::stod(parsed.ml), 0);
  EXPECT_GE(std::stod(parsed.total), std::stod(parsed.ml));
  const auto img = base64_decode(parsed.img);
  ASSERT_TRUE(img) << "the img field is base64";
  EXPECT_EQ(blur::sniff_codec(*img), blur::Codec::kPng);
}

TEST(Handler, FormatPrecedenceQueryThenAcceptThenConfigThenInput) {
  const std::string png = astronaut_as(".png");
  FnConfig seed_config = default_config();
  seed_config.response_format = ResponseFormat::kSeed;
  EXPECT_EQ(post(png, "/?format=json", "image/png", seed_config).content_type, "application/json");
  EXPECT_EQ(post(png, "/", "application/json", seed_config).content_type, "application/json");
  EXPECT_EQ(post(png, "/", "text/plain", default_config()).content_type,
            "text/plain; charset=utf-8");
  EXPECT_EQ(post(png, "/", "*/*", seed_config).content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(post(png, "/", "", default_config()).content_type, "image/png");
  EXPECT_EQ(post(b64(png), "/", "", default_config()).content_type, "application/json");
  EXPECT_EQ(post(b64(png), "/function/slblur?x=1&format=image", "").content_type, "image/png");
  EXPECT_EQ(post(png, "/", "text/html, image/jpeg;q=0.9").content_type, "image/jpeg");
}

TEST(Handler, CodecFromQueryOrAccept) {
  const std::string png = astronaut_as(".png");
  EXPECT_EQ(post(png, "/?codec=jpeg").content_type, "image/jpeg");
  EXPECT_EQ(post(astronaut_as(".jpg"), "/", "image/png").content_type, "image/png");
  const auto j = nlohmann::json::parse(post(png, "/?format=json&codec=jpg").body);
  EXPECT_EQ(j["codec"], "jpeg");
}

TEST(Handler, AcceptsDataUrlsAndWrappedBase64) {
  std::string wrapped = b64(astronaut_as(".jpg"));
  for (std::size_t i = 76; i < wrapped.size(); i += 77) wrapped.insert(i, "\n");
  EXPECT_EQ(post(wrapped).status, 200);
  EXPECT_EQ(post("data:image/jpeg;base64," + b64(astronaut_as(".jpg"))).status, 200);
}

TEST(Handler, BadInputGetsA4xxWithAJsonError) {
  const std::string jpeg = astronaut_as(".jpg");
  const std::string png = astronaut_as(".png");
  const std::pair<std::string, std::string> cases[] = {
      {"empty body", ""},
      {"random bytes", std::string("\x01\x9c\xff\x00garbage\x7f", 12)},
      {"text that is not base64", "hello, function!"},
      {"base64 of text", b64("not an image at all")},
      {"truncated JPEG", jpeg.substr(0, jpeg.size() / 2)},
      {"truncated PNG", png.substr(0, png.size() / 2)},
      {"truncated base64 PNG", b64(png.substr(0, png.size() / 3))},
  };
  for (const auto& [name, body] : cases) {
    const auto r = post(body);
    EXPECT_EQ(r.status, 400) << name << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << name;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_TRUE(j["error"].is_string()) << name;
    EXPECT_EQ(header(r, "X-Faces"), "0") << name;
  }
  EXPECT_EQ(post(png, "/?format=xml").status, 400);
  EXPECT_EQ(post(png, "/?codec=gif").status, 400);
}

TEST(Handler, WrongMethodIs405) {
  FunctionHandler handler(shared_pipeline(), default_config());
  FnRequest r;
  r.method = "GET";
  const auto res = handler.handle(r);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(header(res, "Allow"), "POST, PUT");
}

TEST(Handler, OversizedImageIs413) {
  FnConfig config = default_config();
  config.pipeline.limits.max_pixels = 1000;
  blur::PipelineOptions options = config.pipeline;
  auto small_pipeline = blur::BlurPipeline::create(options);
  ASSERT_TRUE(small_pipeline.ok());
  FunctionHandler handler(**small_pipeline, config);
  FnRequest r;
  r.body = astronaut_as(".jpg");
  const auto res = handler.handle(r);
  EXPECT_EQ(res.status, 413);
  EXPECT_NE(res.body.find("over the limit"), std::string::npos);
}

}  // namespace
}  // namespace faaslab::fn
