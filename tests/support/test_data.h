// Paths and loaders for the test assets scripts/setup creates (testdata/, models/).
#pragma once

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace faaslab::testing {

inline std::filesystem::path testdata_dir() {
  return FAASLAB_TESTDATA_DIR;
}
inline std::filesystem::path astronaut_path() {
  return testdata_dir() / "astronaut.png";
}
inline std::filesystem::path video_path() {
  return testdata_dir() / "face-1308x888.mp4";
}

// Path of a binary built by this project, e.g. binary("bin/faaslab-fn").
inline std::string binary(const std::string& relative) {
  return std::string(FAASLAB_BINARY_DIR) + "/" + relative;
}

// The port after `marker` in a log ("... ready on 127.0.0.1:<port>"); 0 if there is none.
inline std::uint16_t ready_port(const std::string& log,
                                const std::string& marker = "ready on 127.0.0.1:") {
  const auto at = log.find(marker);
  if (at == std::string::npos) return 0;
  int port = 0;
  for (std::size_t i = at + marker.size();
       i < log.size() && std::isdigit(static_cast<unsigned char>(log[i])); ++i) {
    port = port * 10 + (log[i] - '0');
  }
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

inline std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ADD_FAILURE() << "missing test asset " << path << " (run scripts/setup)";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace faaslab::testing
