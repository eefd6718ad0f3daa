// Image sniffing, header reading and decoding of untrusted bytes. A header that claims a huge
// size must be refused before anything that big is allocated: the fuzzer runs with
// -rss_limit_mb and -malloc_limit_mb, so a decompression bomb that allocates is a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "blur/image_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)faaslab::blur::sniff_codec(bytes);
  const auto info = faaslab::blur::read_image_info(bytes);
  faaslab::blur::DecodeLimits limits;
  limits.max_pixels = 4'000'000;  // as a function configured with max_pixels=4M
  const auto image = faaslab::blur::decode_image(bytes, limits);
  if (image) {
    // What decoded agrees with the header, and stays within the limit.
    if (!info || image->cols != info->width || image->rows != info->height) std::abort();
    if (static_cast<std::uint64_t>(image->cols) * static_cast<std::uint64_t>(image->rows) >
        limits.max_pixels)
      std::abort();
  }
  return 0;
}
