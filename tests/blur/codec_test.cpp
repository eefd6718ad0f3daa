#include "blur/image_codec.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "blur/png_encoder.h"
#include "support/test_data.h"

namespace faaslab::blur {
namespace {

using Bytes = std::vector<std::uint8_t>;
using PngFilter = EncodeOptions::PngFilter;

cv::Mat test_image(int w, int h, int type = CV_8UC3) {
  cv::Mat img(h, w, type);
  cv::RNG rng(1);
  rng.fill(img, cv::RNG::UNIFORM, 0, 256);
  // Some smooth structure so the filters have something to predict.
  for (int y = 0; y < h; ++y) img.row(y).colRange(0, w / 2).setTo(cv::Scalar::all((y * 3) % 256));
  return img;
}

Bytes opencv_encode(const cv::Mat& img, const char* ext) {
  Bytes out;
  cv::imencode(ext, img, out);
  return out;
}

TEST(Codec, SniffsByMagicBytes) {
  EXPECT_EQ(sniff_codec(opencv_encode(test_image(8, 8), ".png")), Codec::kPng);
  EXPECT_EQ(sniff_codec(opencv_encode(test_image(8, 8), ".jpg")), Codec::kJpeg);
  EXPECT_FALSE(sniff_codec(Bytes{'G', 'I', 'F', '8', '9', 'a'}));
  EXPECT_FALSE(sniff_codec(Bytes{}));
}

TEST(Codec, ReadsDimensionsFromHeaders) {
  for (const char* ext : {".png", ".jpg"}) {
    auto info = read_image_info(opencv_encode(test_image(123, 45), ext));
    ASSERT_TRUE(info.ok()) << info.error();
    EXPECT_EQ(info->width, 123);
    EXPECT_EQ(info->height, 45);
    EXPECT_EQ(info->channels, 3);
  }
}

TEST(Codec, RefusesAnImageOverThePixelLimitBeforeDecoding) {
  // A PNG header claiming 100000 x 100000 pixels with no pixel data: a decompression bomb's
  // header. Decoding it would need 30 GB; the limit check must refuse it from the header alone.
  Bytes bomb = opencv_encode(test_image(8, 8), ".png");
  const std::uint32_t big = 100000;
  for (int i = 0; i < 4; ++i)
    bomb[16 + i] = bomb[20 + i] = static_cast<std::uint8_t>(big >> (24 - 8 * i));
  auto decoded = decode_image(bomb);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error_code(), Errc::kTooLarge);
  DecodeLimits tight;
  tight.max_pixels = 100;
  auto jpeg = decode_image(opencv_encode(test_image(20, 20), ".jpg"), tight);
  ASSERT_FALSE(jpeg.ok());
  EXPECT_EQ(jpeg.error_code(), Errc::kTooLarge);
}

TEST(Codec, RefusesTruncatedAndCorruptData) {
  const Bytes png = opencv_encode(test_image(64, 64), ".png");
  const Bytes jpeg = opencv_encode(test_image(64, 64), ".jpg");
  for (std::size_t keep : {std::size_t{10}, std::size_t{40}, png.size() / 2, png.size() - 5}) {
    auto r = decode_image(Bytes(png.begin(), png.begin() + static_cast<long>(keep)));
    EXPECT_FALSE(r.ok()) << "PNG cut to " << keep;
    if (!r.ok()) {
      EXPECT_EQ(r.error_code(), Errc::kInvalidArgument);
    }
  }
  for (std::size_t keep : {std::size_t{3}, std::size_t{100}, jpeg.size() / 2, jpeg.size() - 2}) {
    EXPECT_FALSE(decode_image(Bytes(jpeg.begin(), jpeg.begin() + static_cast<long>(keep))).ok())
        << "JPEG cut to " << keep;
  }
  // Right magic and framing, garbage inside.
  Bytes garbage_jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 'x', 'x'};
  for (int i = 0; i < 500; ++i) garbage_jpeg.push_back(static_cast<std::uint8_t>(i * 37));
  garbage_jpeg.push_back(0xFF);
  garbage_jpeg.push_back(0xD9);
  EXPECT_FALSE(decode_image(garbage_jpeg).ok());
  Bytes corrupt_png = png;
  for (std::size_t i = 60; i < corrupt_png.size() - 20; ++i) corrupt_png[i] ^= 0x5A;
  EXPECT_FALSE(decode_image(corrupt_png).ok());
  EXPECT_FALSE(decode_image(Bytes{1, 2, 3}).ok());
  EXPECT_FALSE(decode_image(Bytes{}).ok());
}

TEST(Codec, AcceptsJpegPaddedAfterTheEndMarker) {
  Bytes jpeg = opencv_encode(test_image(32, 32), ".jpg");
  jpeg.insert(jpeg.end(), {0, 0, '\n'});
  EXPECT_TRUE(decode_image(jpeg).ok());
}

class PngWriterTest : public ::testing::TestWithParam<std::tuple<int, PngFilter, int>> {};

TEST_P(PngWriterTest, RoundTripsExactlyThroughOpenCV) {
  const auto [channels, filter, bands] = GetParam();
  for (const auto& size : {cv::Size(1, 1), cv::Size(33, 17), cv::Size(1308, 888)}) {
    const cv::Mat img = test_image(size.width, size.height, channels == 1 ? CV_8UC1 : CV_8UC3);
    for (int level : {0, 1, 3}) {
      const Bytes png = encode_png(img, level, filter, bands);
      const cv::Mat back = cv::imdecode(png, cv::IMREAD_UNCHANGED);
      ASSERT_EQ(back.size(), img.size()) << size << " level " << level;
      ASSERT_EQ(back.type(), img.type());
      EXPECT_EQ(cv::norm(back, img, cv::NORM_INF), 0) << size << " level " << level;
      // And through our own decoder, which checks the chunk structure.
      EXPECT_TRUE(decode_image(png).ok());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ChannelsFiltersBands, PngWriterTest,
                         ::testing::Combine(::testing::Values(1, 3),
                                            ::testing::Values(PngFilter::kNone, PngFilter::kSub,
                                                              PngFilter::kUp),
                                            ::testing::Values(1, 3, 8)));

TEST(PngWriter, CompressesACameraFrameBetterThanStoring) {
  const cv::Mat frame = cv::imread(testing::astronaut_path().string());
  ASSERT_FALSE(frame.empty());
  const Bytes fast = encode_png(frame, 1, PngFilter::kUp, 2);
  EXPECT_LT(fast.size(), frame.total() * 3 * 3 / 4);
}

TEST(Codec, EncodesJpegAtTheRequestedQuality) {
  const cv::Mat img = cv::imread(testing::astronaut_path().string());
  EncodeOptions low, high;
  low.jpeg_quality = 30;
  high.jpeg_quality = 95;
  auto a = encode_image(img, Codec::kJpeg, low), b = encode_image(img, Codec::kJpeg, high);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(a->size(), b->size());
  EXPECT_EQ(sniff_codec(*a), Codec::kJpeg);
  EXPECT_FALSE(encode_image(cv::Mat(), Codec::kPng).ok());
}

TEST(Codec, NamesAndMimeTypes) {
  EXPECT_EQ(codec_from_name("JPG"), Codec::kJpeg);
  EXPECT_EQ(codec_from_name("image/png"), Codec::kPng);
  EXPECT_FALSE(codec_from_name("gif"));
  EXPECT_EQ(codec_mime_type(Codec::kJpeg), "image/jpeg");
}

}  // namespace
}  // namespace faaslab::blur
