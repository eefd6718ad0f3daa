// stack.yml, as `faaslab up -f` reads it: envsubst, then YAML. Any text: a StackFile or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/function_pool.h"
#include "runtime/stack.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto stack = faaslab::runtime::parse_stack(text, "/nonexistent-fuzz-dir",
                                                   {"HOME=/root", "USER=fuzz", "PORT=8080"});
  if (stack) {
    for (const auto& f : stack->functions) (void)faaslab::runtime::FunctionPool::validate(f);
  }
  return 0;
}
