#include "blur/blur.h"

#include <gtest/gtest.h>

#include <atomic>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "support/test_data.h"

namespace faaslab::blur {
namespace {

std::vector<std::uint8_t> astronaut_as(const char* ext) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, cv::imread(testing::astronaut_path().string()), out);
  return out;
}

std::unique_ptr<BlurPipeline> pipeline(int concurrency = 1) {
  PipelineOptions options;
  options.concurrency = concurrency;
  auto p = BlurPipeline::create(options);
  EXPECT_TRUE(p.ok()) << p.error();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(Pipeline, KeepsTheInputCodecByDefault) {
  auto p = pipeline();
  for (const char* ext : {".jpg", ".png"}) {
    auto r = p->process(astronaut_as(ext));
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(sniff_codec(r->image), std::string(ext) == ".jpg" ? Codec::kJpeg : Codec::kPng);
    EXPECT_EQ(r->faces.size(), 1u);
    EXPECT_EQ(r->width, 512);
    EXPECT_GT(r->times.detect, 0);
    EXPECT_GE(r->times.total, r->times.decode + r->times.detect + r->times.encode);
  }
}

TEST(Pipeline, EncodesInTheRequestedCodec) {
  auto p = pipeline();
  auto r = p->process(astronaut_as(".jpg"), Codec::kPng);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sniff_codec(r->image), Codec::kPng);
  EXPECT_EQ(r->codec, Codec::kPng);
}

TEST(Pipeline, OutputHasTheFaceBlurred) {
  auto p = pipeline();
  auto r = p->process(astronaut_as(".png"));
  ASSERT_TRUE(r.ok());
  const cv::Mat out = cv::imdecode(r->image, cv::IMREAD_COLOR);
  const cv::Mat in = cv::imread(testing::astronaut_path().string());
  const cv::Rect face(r->faces[0].box);
  EXPECT_GT(cv::norm(out(face), in(face), cv::NORM_L1) / (face.area() * 3.0), 8.0);
  EXPECT_EQ(cv::norm(out(cv::Rect(0, 400, 100, 100)), in(cv::Rect(0, 400, 100, 100)), cv::NORM_INF),
            0);  // PNG is lossless
}

TEST(Pipeline, ReportsBadInputAsInvalidArgument) {
  auto p = pipeline();
  auto r = p->process(std::vector<std::uint8_t>{'n', 'o', 'p', 'e'});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error_code(), Errc::kInvalidArgument);
}

TEST(Pipeline, IsSafeUnderConcurrentCalls) {
  auto p = pipeline(2);  // 8 threads share 2 detectors
  const auto jpeg = astronaut_as(".jpg");
  std::atomic<int> ok{0}, faces{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        auto r = p->process(jpeg);
        if (r.ok()) {
          ++ok;
          faces += static_cast<int>(r->faces.size());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 32);
  EXPECT_EQ(faces, 32);
}

TEST(DetectorPool, CreatesAtMostCapacityInstances) {
  auto pool = DetectorPool::create({}, 2);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ((*pool)->created(), 1);
  {
    auto a = (*pool)->acquire();
    auto b = (*pool)->acquire();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ((*pool)->created(), 2);
    std::atomic<bool> got{false};
    std::thread waiter([&] {
      auto c = (*pool)->acquire();  // blocks until a or b is returned
      got = c.ok();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(got);
    { auto release = std::move(*a); }
    waiter.join();
    EXPECT_TRUE(got);
  }
  EXPECT_EQ((*pool)->created(), 2);
}

TEST(DetectorPool, WarmUpBuildsEveryDetector) {
  auto pool = DetectorPool::create({}, 3);
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE((*pool)->warm_up(5).ok());  // more than the capacity: capped
  EXPECT_EQ((*pool)->created(), 3);
  // All three are idle again: three leases at once without building a fourth.
  auto a = (*pool)->acquire(), b = (*pool)->acquire(), c = (*pool)->acquire();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*pool)->created(), 3);
}

}  // namespace
}  // namespace faaslab::blur
