// base64: the function's input format (the study's client sends base64 PNG). Decoding any text
// must not crash; whatever decodes must encode back to text that decodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto decoded = faaslab::base64_decode(text);
  if (!decoded) return 0;
  const std::string again = faaslab::base64_encode(*decoded);
  const auto round = faaslab::base64_decode(again);
  if (!round || *round != *decoded) std::abort();
  return 0;
}
