#include "blur/detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "blur/blazeface_detector.h"
#include "support/test_data.h"

namespace faaslab::blur {
namespace {

// The astronaut's face in the 512x512 image (forehead to chin, ear to ear), by inspection.
const cv::Rect2f kTrueFace(178, 66, 94, 96);

const cv::Mat& astronaut() {
  static const cv::Mat img = cv::imread(testing::astronaut_path().string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(img.empty()) << "run scripts/setup";
  return img;
}

std::unique_ptr<FaceDetector> detector(DetectorKind kind) {
  DetectorOptions options;
  options.kind = kind;
  auto d = make_detector(options);
  EXPECT_TRUE(d.ok()) << d.error();
  return d.ok() ? std::move(*d) : nullptr;
}

// Images with no face in them, made here.
std::vector<std::pair<std::string, cv::Mat>> faceless_images() {
  std::vector<std::pair<std::string, cv::Mat>> out;
  cv::Mat noise(512, 512, CV_8UC3);
  cv::RNG rng(42);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  out.emplace_back("uniform noise", noise);
  cv::Mat smooth;
  cv::GaussianBlur(noise, smooth, cv::Size(), 8);
  cv::normalize(smooth, smooth, 0, 255, cv::NORM_MINMAX);
  out.emplace_back("smoothed noise", smooth);
  cv::Mat horizontal(888, 1308, CV_8UC3), radial(600, 600, CV_8UC3);
  for (int y = 0; y < horizontal.rows; ++y) {
    for (int x = 0; x < horizontal.cols; ++x) {
      horizontal.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(x * 255 / 1308), static_cast<uchar>(y * 255 / 888), 128);
    }
  }
  out.emplace_back("colour gradient", horizontal);
  for (int y = 0; y < radial.rows; ++y) {
    for (int x = 0; x < radial.cols; ++x) {
      const double r = std::hypot(x - 300, y - 300);
      radial.at<cv::Vec3b>(y, x) = cv::Vec3b::all(static_cast<uchar>(std::min(255.0, r * 0.6)));
    }
  }
  out.emplace_back("radial gradient", radial);
  // The astronaut's suit, flag and helmet below the face, flipped and rotated by 180 degrees.
  const cv::Mat body = astronaut()(cv::Rect(0, 240, 512, 272)).clone();
  cv::Mat flipped, rotated;
  cv::flip(body, flipped, 1);
  cv::rotate(body, rotated, cv::ROTATE_180);
  out.emplace_back("flipped crop without the face", flipped);
  out.emplace_back("rotated crop without the face", rotated);
  cv::Mat flat(480, 640, CV_8UC3, cv::Scalar(40, 90, 160));
  out.emplace_back("flat colour", flat);
  return out;
}

class DetectorKindTest : public ::testing::TestWithParam<DetectorKind> {};

TEST_P(DetectorKindTest, FindsExactlyTheAstronautsFace) {
  auto d = detector(GetParam());
  ASSERT_TRUE(d);
  const auto faces = d->detect(astronaut());
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_GE(iou(faces[0].box, kTrueFace), 0.5)
      << "box " << faces[0].box << " score " << faces[0].score;
  EXPECT_GT(faces[0].score, 0.5f);
}

TEST_P(DetectorKindTest, FindsNothingInImagesWithoutFaces) {
  auto d = detector(GetParam());
  ASSERT_TRUE(d);
  for (const auto& [name, image] : faceless_images()) {
    const auto faces = d->detect(image);
    EXPECT_TRUE(faces.empty()) << name << ": " << faces.size() << " faces, first " << faces[0].box
                               << " score " << faces[0].score;
  }
}

TEST_P(DetectorKindTest, FindsTheFaceInAStudySizedFrame) {
  auto d = detector(GetParam());
  ASSERT_TRUE(d);
  // A frame like the test video's: the astronaut scaled to 888 px high on a 1308x888 canvas.
  cv::Mat frame = astronaut();
  cv::Mat canvas(888, 1308, CV_8UC3, cv::Scalar(74, 58, 43));
  cv::resize(frame, frame, cv::Size(888, 888));
  frame.copyTo(canvas(cv::Rect(210, 0, 888, 888)));
  const auto faces = d->detect(canvas);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Rect2f expected(210 + 178 * 888 / 512.0f, 66 * 888 / 512.0f, 94 * 888 / 512.0f,
                            96 * 888 / 512.0f);
  EXPECT_GE(iou(faces[0].box, expected), 0.5) << faces[0].box;
}

INSTANTIATE_TEST_SUITE_P(AllDetectors, DetectorKindTest,
                         ::testing::Values(DetectorKind::kBlazeFace128, DetectorKind::kBlazeFace256,
                                           DetectorKind::kHaar),
                         [](const auto& info) { return std::string(detector_name(info.param)); });

TEST(BlazeFaceTiles, CoverLandscapeFramesWithSquaresOfTheShortSide) {
  const auto tiles = blazeface_tiles(1308, 888, 1);
  ASSERT_EQ(tiles.size(), 2u);
  EXPECT_FLOAT_EQ(tiles[0].x, 0);
  EXPECT_FLOAT_EQ(tiles[1].x, 1308 - 888);
  EXPECT_FLOAT_EQ(tiles[0].side, 888);
  EXPECT_EQ(blazeface_tiles(512, 512, 1).size(), 1u);
  EXPECT_EQ(blazeface_tiles(888, 1308, 1).size(), 2u);  // portrait
}

TEST(BlazeFaceTiles, DeeperLevelsOverlapByAQuarterAtLeast) {
  const auto tiles = blazeface_tiles(1308, 888, 2);
  std::vector<Tile> level2;
  for (const auto& t : tiles) {
    if (t.side < 888) level2.push_back(t);
  }
  ASSERT_FALSE(level2.empty());
  for (std::size_t i = 1; i < level2.size(); ++i) {
    if (level2[i].y != level2[i - 1].y) continue;
    EXPECT_LE(level2[i].x - level2[i - 1].x, 0.75f * level2[i].side + 1e-3f);
  }
  for (const auto& t : level2) {
    EXPECT_GE(t.x, 0);
    EXPECT_LE(t.x + t.side, 1308.0f + 1e-3f);
    EXPECT_LE(t.y + t.side, 888.0f + 1e-3f);
  }
}

TEST(SmallFaces, AreFoundWithMoreTileLevels) {
  // The astronaut shrunk so her face is ~40 px in a 1308x888 frame: too small for one level.
  cv::Mat small;
  cv::resize(astronaut(), small, cv::Size(220, 220), 0, 0, cv::INTER_AREA);
  cv::Mat canvas(888, 1308, CV_8UC3, cv::Scalar(74, 58, 43));
  small.copyTo(canvas(cv::Rect(900, 500, 220, 220)));
  DetectorOptions options;
  auto one_level = make_detector(options);
  options.tile_levels = 3;
  auto three_levels = make_detector(options);
  ASSERT_TRUE(one_level.ok() && three_levels.ok());
  EXPECT_TRUE((*one_level)->detect(canvas).empty());
  const auto faces = (*three_levels)->detect(canvas);
  ASSERT_EQ(faces.size(), 1u);
  const cv::Rect2f expected(900 + 178 * 220 / 512.0f, 500 + 66 * 220 / 512.0f, 94 * 220 / 512.0f,
                            96 * 220 / 512.0f);
  EXPECT_GE(iou(faces[0].box, expected), 0.4) << faces[0].box;
}

TEST(WeightedNms, MergesOverlapsAndKeepsSeparateFaces) {
  Face a, b, c;
  a.box = {0, 0, 10, 10};
  a.score = 0.9f;
  b.box = {2, 0, 10, 10};
  b.score = 0.6f;
  c.box = {50, 50, 10, 10};
  c.score = 0.8f;
  const auto out = weighted_nms({b, c, a}, 0.3f);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);
  EXPECT_NEAR(out[0].box.x, (0 * 0.9f + 2 * 0.6f) / 1.5f, 1e-5);  // score-weighted mean
  EXPECT_FLOAT_EQ(out[1].box.x, 50);
}

TEST(Detector, MissingModelIsAClearError) {
  DetectorOptions options;
  options.models_dir = "/nonexistent";
  auto d = make_detector(options);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find("/nonexistent"), std::string::npos);
  options.kind = DetectorKind::kHaar;
  options.haar_cascade = "/nonexistent.xml";
  EXPECT_FALSE(make_detector(options).ok());
}

TEST(Detector, NamesRoundTrip) {
  for (auto k : {DetectorKind::kBlazeFace128, DetectorKind::kBlazeFace256, DetectorKind::kHaar}) {
    EXPECT_EQ(detector_from_name(detector_name(k)), k);
  }
  EXPECT_FALSE(detector_from_name("yolo"));
}

}  // namespace
}  // namespace faaslab::blur
