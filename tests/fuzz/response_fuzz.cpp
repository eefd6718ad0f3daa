// The load generator's response scanner on arbitrary bytes from a server: its fast path must
// give exactly Beast's results (or fail where Beast fails), at any split of the input into
// reads, and neither may crash. The first byte picks the read size (1–64 bytes, or all at once)
// and whether the body is kept; the rest is what the server sent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "load/scanner_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t chunk = (knobs & 0x3f) == 0 ? in.size() + 1 : (knobs & 0x3f);
  const bool keep_body = (knobs & 0x40) != 0;
  using faaslab::load::testing::scan;
  const auto fast = scan(in, chunk, true, keep_body, 4096);
  const auto beast = scan(in, in.size() + 1, false, keep_body, 4096);
  if (!(fast == beast)) __builtin_trap();
  return 0;
}
