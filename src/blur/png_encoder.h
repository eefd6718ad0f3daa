// A PNG writer for 8-bit grey or BGR frames, built for speed.
//
// Written by hand (on zlib for the compression) because OpenCV 4.6's writer goes through
// libpng's adaptive filter search and one zlib stream: ~70 ms for a 1308x888 frame here, more
// than the whole handler budget. This one applies a single cheap filter and deflates row bands
// in parallel: each band is an independent raw-deflate segment ending in a sync flush, and the
// segments concatenate into one valid zlib stream (adler32 combined), as pigz does. Any PNG
// decoder reads the result.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "blur/image_codec.h"

namespace faaslab::blur {

// bgr: CV_8UC1 or CV_8UC3 (BGR). Throws std::invalid_argument for other types.
std::vector<std::uint8_t> encode_png(const cv::Mat& bgr, int level, EncodeOptions::PngFilter filter,
                                     int bands);

}  // namespace faaslab::blur
