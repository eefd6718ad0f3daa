// Shared by the function's tests: a pipeline and config built once, and test inputs.
#pragma once

#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>

#include "blur/blur.h"
#include "fn/fn_config.h"
#include "support/test_data.h"

namespace faaslab::fn::testing_support {

inline std::string astronaut_as(const char* ext) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, cv::imread(faaslab::testing::astronaut_path().string()), out);
  return {out.begin(), out.end()};
}

inline const blur::BlurPipeline& shared_pipeline() {
  static const auto pipeline = [] {
    blur::PipelineOptions options;
    options.concurrency = 2;
    return std::move(*blur::BlurPipeline::create(options));
  }();
  return *pipeline;
}

// What the study's Python client does with a response, line by line: a line containing "img"
// must match 'img': '(.*)'} (else the client crashes); "Elapsed ML time:" and "Total time:"
// lines yield the text after the marker. Returns false where the client would crash.
struct SeedParse {
  std::string img, ml, total;
  int img_lines = 0;
};
inline bool parse_like_study_client(const std::string& body, SeedParse& out) {
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("img") != std::string::npos) {
      // Python's re.search("'img': '(.*)'}", line): leftmost start, greedy to the last "'}".
      // (Done by hand: std::regex recurses per character and overflows on a 2 MB line.)
      const auto start = line.find("'img': '");
      const auto end = line.rfind("'}");
      if (start == std::string::npos || end == std::string::npos || end < start + 8) return false;
      out.img = line.substr(start + 8, end - start - 8);
      ++out.img_lines;
    }
    if (auto p = line.find("Elapsed ML time:"); p != std::string::npos)
      out.ml = line.substr(p + 16);
    if (auto p = line.find("Total time:"); p != std::string::npos) out.total = line.substr(p + 11);
  }
  return true;
}

}  // namespace faaslab::fn::testing_support
