#include "fn/fn_config.h"

#include <gtest/gtest.h>

namespace faaslab::fn {
namespace {

TEST(FnConfig, DefaultsMatchTheDocumentation) {
  auto c = parse_fn_config({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->bind, "127.0.0.1");
  EXPECT_EQ(c->max_body_bytes, 32ull << 20);
  EXPECT_EQ(c->pipeline.limits.max_pixels, 40'000'000u);
  EXPECT_FALSE(c->response_format);
  EXPECT_FALSE(c->suppress_lock);
  EXPECT_TRUE(c->warm_up);
  EXPECT_EQ(c->pipeline.detector.kind, blur::DetectorKind::kBlazeFace128);
  EXPECT_FLOAT_EQ(c->pipeline.detector.score_threshold, 0.75f);
  EXPECT_EQ(c->write_timeout, std::chrono::seconds(10));
}

TEST(FnConfig, ReadsEveryVariable) {
  auto c = parse_fn_config(
      {"port=9000",          "bind=0.0.0.0",         "workers=3",           "opencv_threads=2",
       "max_body_size=1MiB", "read_timeout=5s",      "write_timeout=1m30s", "suppress_lock=true",
       "log_level=debug",    "response_format=seed", "detector=haar",       "score_threshold=0.6",
       "tile_levels=2",      "models_dir=/m",        "haar_cascade=/h.xml", "blur=pixelate",
       "blur_margin=0.5",    "blur_strength=2",      "max_pixels=2M",       "jpeg_quality=80",
       "png_level=3",        "warm_up=false"});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->bind, "0.0.0.0");
  EXPECT_EQ(c->workers, 3);
  EXPECT_EQ(c->opencv_threads, 2);
  EXPECT_EQ(c->max_body_bytes, 1u << 20);
  EXPECT_EQ(c->read_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->write_timeout, std::chrono::seconds(90));
  EXPECT_TRUE(c->suppress_lock);
  EXPECT_FALSE(c->warm_up);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->response_format, ResponseFormat::kSeed);
  EXPECT_EQ(c->pipeline.detector.kind, blur::DetectorKind::kHaar);
  EXPECT_FLOAT_EQ(c->pipeline.detector.score_threshold, 0.6f);
  EXPECT_EQ(c->pipeline.detector.tile_levels, 2);
  EXPECT_EQ(c->pipeline.detector.models_dir, "/m");
  EXPECT_EQ(c->pipeline.detector.haar_cascade, "/h.xml");
  EXPECT_EQ(c->pipeline.anonymize.method, blur::BlurMethod::kPixelate);
  EXPECT_FLOAT_EQ(c->pipeline.anonymize.margin, 0.5f);
  EXPECT_FLOAT_EQ(c->pipeline.anonymize.strength, 2.0f);
  EXPECT_EQ(c->pipeline.limits.max_pixels, 2'000'000u);
  EXPECT_EQ(c->pipeline.encode.jpeg_quality, 80);
  EXPECT_EQ(c->pipeline.encode.png_level, 3);
}

TEST(FnConfig, ErrorsNameTheVariable) {
  const std::pair<const char*, const char*> bad[] = {
      {"port=http", "port"},
      {"port=70000", "port"},
      {"workers=-1", "workers"},
      {"max_body_size=big", "max_body_size"},
      {"max_body_size=0", "max_body_size"},
      {"read_timeout=-1s", "read_timeout"},
      {"write_timeout=soon", "write_timeout"},
      {"suppress_lock=maybe", "suppress_lock"},
      {"response_format=xml", "response_format"},
      {"detector=yolo", "detector"},
      {"score_threshold=2", "score_threshold"},
      {"tile_levels=9", "tile_levels"},
      {"blur=smudge", "blur"},
      {"max_pixels=0", "max_pixels"},
      {"jpeg_quality=0", "jpeg_quality"},
      {"png_level=9", "png_level"},
      {"blur_strength=nan", "blur_strength"},
  };
  for (const auto& [entry, name] : bad) {
    auto c = parse_fn_config({entry});
    ASSERT_FALSE(c.ok()) << entry;
    EXPECT_EQ(c.error().rfind(name, 0), 0u) << entry << " -> " << c.error();
  }
}

TEST(FnConfig, AutomaticValuesFollowTheCores) {
  auto c = resolve_defaults(*parse_fn_config({}), 2);
  EXPECT_EQ(c.workers, 2);
  EXPECT_EQ(c.opencv_threads, 1);
  EXPECT_EQ(c.pipeline.concurrency, 2);
  auto one = resolve_defaults(*parse_fn_config({"workers=1"}), 4);
  EXPECT_EQ(one.opencv_threads, 4);
}

}  // namespace
}  // namespace faaslab::fn
