#include "blur/video.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/videoio.hpp>

#include "blur/blur.h"
#include "support/test_data.h"

namespace faaslab::blur {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("faaslab-video-test-" + std::to_string(::getpid()) + "-" + name);
}

TEST(BlurVideo, BlursEveryFrameAndKeepsSizeRateAndCount) {
  PipelineOptions options;
  options.concurrency = 2;
  auto pipeline = BlurPipeline::create(options);
  ASSERT_TRUE(pipeline.ok());
  const fs::path out = temp_path("out.avi");
  std::uint64_t last_progress = 0;
  auto summary = blur_video(
      {testing::video_path().string(), out.string(), 2},
      [&](cv::Mat& frame, int) -> Result<int> {
        auto faces = (*pipeline)->process_pixels(frame);
        if (!faces) return faces.error_value();
        return static_cast<int>(faces->size());
      },
      [&](std::uint64_t done, std::uint64_t) { last_progress = done; });
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->frames, 37u);
  EXPECT_EQ(summary->faces, 37u);  // one face in every frame
  EXPECT_EQ(last_progress, 37u);
  cv::VideoCapture check(out.string());
  ASSERT_TRUE(check.isOpened());
  EXPECT_EQ(check.get(cv::CAP_PROP_FRAME_WIDTH), 1308);
  EXPECT_EQ(check.get(cv::CAP_PROP_FRAME_HEIGHT), 888);
  EXPECT_NEAR(check.get(cv::CAP_PROP_FPS), 25, 0.01);
  int frames = 0;
  cv::Mat f;
  while (check.read(f)) ++frames;
  EXPECT_EQ(frames, 37);
  fs::remove(out);
}

TEST(BlurVideo, ErrorsAreClearAndLeaveNoPartialOutput) {
  auto identity = [](cv::Mat&, int) -> Result<int> { return 0; };
  EXPECT_FALSE(blur_video({"/nonexistent.mp4", temp_path("a.avi").string(), 1}, identity).ok());
  EXPECT_FALSE(
      blur_video({testing::astronaut_path().string() + ".missing", temp_path("b.avi").string(), 1},
                 identity)
          .ok());
  auto bad_ext =
      blur_video({testing::video_path().string(), temp_path("c.txt").string(), 1}, identity);
  ASSERT_FALSE(bad_ext.ok());
  EXPECT_NE(bad_ext.error().find(".mp4"), std::string::npos);
  EXPECT_FALSE(
      blur_video({testing::video_path().string(), "/nonexistent-dir/x.avi", 1}, identity).ok());

  // A frame that fails midway: error names the frame, partial output removed.
  const fs::path out = temp_path("d.avi");
  int calls = 0;
  auto failing = [&](cv::Mat&, int) -> Result<int> {
    if (++calls > 5) return make_error("boom", Errc::kUnavailable);
    return 0;
  };
  auto r = blur_video({testing::video_path().string(), out.string(), 1}, failing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("frame 5"), std::string::npos) << r.error();
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace faaslab::blur
