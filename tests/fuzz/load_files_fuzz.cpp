// The files `faaslab merge` reads (histogram files written by `faaslab load --histogram`) and
// the trace files `faaslab load --trace` reads, and a calibration file (`model predict
// --calibration`). The first byte picks the reader; the rest is the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "load/schedule.h"
#include "load/stats.h"
#include "model/calibration.h"

namespace {

// A file holding `bytes`, for the readers that take a path.
std::string write_temp(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/faaslab-fuzz-" + std::to_string(::getpid());
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t which = data[0] % 4;
  ++data;
  --size;
  switch (which) {
    case 0: {  // a histogram file, as merge reads it
      const auto path = write_temp(data, size);
      (void)faaslab::load::merge_histogram_files({path, path});
      break;
    }
    case 1: {  // a trace of send times
      (void)faaslab::load::load_trace(write_temp(data, size));
      break;
    }
    case 2: {  // one histogram object
      const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
      if (!j.is_discarded()) {
        if (auto h = faaslab::Histogram::from_json(j)) {
          (void)h->percentile(0.99);
          (void)h->stddev();
        }
      }
      break;
    }
    default: {  // a calibration file
      const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
      if (!j.is_discarded()) {
        if (auto c = faaslab::model::Calibration::from_json(j)) (void)c->to_json();
      }
      break;
    }
  }
  return 0;
}
