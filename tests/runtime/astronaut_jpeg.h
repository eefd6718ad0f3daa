// The set-up's astronaut photo as JPEG bytes: a real frame for the watchdog tests that run the
// real function (watchdog_test, fork_watchdog_test). Needs OpenCV's imgcodecs (linked by
// runtime_process_tests only).
#pragma once

#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "support/test_data.h"

namespace faaslab::runtime::testing_support {

inline std::string astronaut_jpeg() {
  std::vector<std::uint8_t> out;
  cv::imencode(".jpg", cv::imread(faaslab::testing::astronaut_path().string()), out);
  return {out.begin(), out.end()};
}

}  // namespace faaslab::runtime::testing_support
