#include "blur/anonymize.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "blur/detector.h"
#include "support/test_data.h"

namespace faaslab::blur {
namespace {

const cv::Mat& astronaut() {
  static const cv::Mat img = cv::imread(testing::astronaut_path().string(), cv::IMREAD_COLOR);
  return img;
}

Face detected_face() {
  auto d = make_detector({});
  EXPECT_TRUE(d.ok());
  const auto faces = (*d)->detect(astronaut());
  EXPECT_EQ(faces.size(), 1u);
  return faces.empty() ? Face{} : faces[0];
}

TEST(CoverRegion, GrowsTheBoxMoreOnTopAndClipsToTheImage) {
  Face f;
  f.box = {100, 100, 40, 40};
  const cv::Rect r = cover_region(f, {512, 512}, 0.25f);
  EXPECT_EQ(r, cv::Rect(90, 80, 60, 70));  // 10 px each side, 20 on top, 10 below
  f.box = {-20, -20, 40, 40};
  const cv::Rect clipped = cover_region(f, {512, 512}, 0.25f);
  EXPECT_EQ(clipped.x, 0);
  EXPECT_EQ(clipped.y, 0);
  f.box = {600, 600, 10, 10};
  EXPECT_TRUE(cover_region(f, {512, 512}, 0.25f).empty());
}

class BlurMethodTest : public ::testing::TestWithParam<BlurMethod> {};

TEST_P(BlurMethodTest, ChangesTheFaceStronglyAndNothingElse) {
  const Face face = detected_face();
  AnonymizeOptions options;
  options.method = GetParam();
  cv::Mat blurred = astronaut().clone();
  anonymize(blurred, {face}, options);
  const cv::Rect region = cover_region(face, astronaut().size(), options.margin);
  // Inside the face box: a large mean absolute change (the eyes, mouth and hair edges go).
  const cv::Rect inner(face.box);
  const double inside =
      cv::norm(blurred(inner), astronaut()(inner), cv::NORM_L1) / (inner.area() * 3.0);
  EXPECT_GT(inside, 8.0) << "mean change inside the face " << inside;
  // Outside the covered region: not one pixel changes.
  cv::Mat mask(astronaut().size(), CV_8U, cv::Scalar(255));
  mask(region).setTo(0);
  cv::Mat diff;
  cv::absdiff(blurred, astronaut(), diff);
  double outside_max = 0;
  cv::Mat diff_grey;
  cv::cvtColor(diff, diff_grey, cv::COLOR_BGR2GRAY);
  cv::minMaxLoc(diff_grey, nullptr, &outside_max, nullptr, nullptr, mask);
  EXPECT_EQ(outside_max, 0);
}

TEST_P(BlurMethodTest, LeavesAFaceNoDetectorRecognises) {
  const Face face = detected_face();
  AnonymizeOptions options;
  options.method = GetParam();
  cv::Mat blurred = astronaut().clone();
  anonymize(blurred, {face}, options);
  for (auto kind :
       {DetectorKind::kBlazeFace128, DetectorKind::kBlazeFace256, DetectorKind::kHaar}) {
    DetectorOptions d;
    d.kind = kind;
    auto detector = make_detector(d);
    ASSERT_TRUE(detector.ok());
    EXPECT_TRUE((*detector)->detect(blurred).empty())
        << detector_name(kind) << " still finds a face";
  }
}

INSTANTIATE_TEST_SUITE_P(AllMethods, BlurMethodTest,
                         ::testing::Values(BlurMethod::kGaussian, BlurMethod::kBox,
                                           BlurMethod::kPixelate),
                         [](const auto& info) {
                           return std::string(blur_method_name(info.param));
                         });

TEST(BlurStrength, ScalesWithFaceSize) {
  // The same face at two resolutions must be blurred to the same relative degree: compare the
  // high-frequency energy left in the face at 512 and 2048 px.
  const Face face = detected_face();
  auto residual_detail = [&](double scale) {
    cv::Mat img;
    cv::resize(astronaut(), img, cv::Size(), scale, scale, cv::INTER_CUBIC);
    Face f = face;
    f.box = cv::Rect2f(face.box.x * scale, face.box.y * scale, face.box.width * scale,
                       face.box.height * scale);
    anonymize(img, {f}, {});
    cv::Mat crop = img(cv::Rect(f.box)), small, lap;
    cv::resize(crop, small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);  // compare at one scale
    cv::Laplacian(small, lap, CV_32F);
    return cv::norm(lap, cv::NORM_L2) / 64.0;
  };
  const double at1 = residual_detail(1.0), at4 = residual_detail(4.0);
  EXPECT_LT(std::abs(at1 - at4) / std::max(at1, at4), 0.5) << at1 << " vs " << at4;
}

TEST(BlurMethod, NamesRoundTrip) {
  for (auto m : {BlurMethod::kGaussian, BlurMethod::kBox, BlurMethod::kPixelate}) {
    EXPECT_EQ(blur_method_from_name(blur_method_name(m)), m);
  }
  EXPECT_FALSE(blur_method_from_name("smudge"));
}

}  // namespace
}  // namespace faaslab::blur
