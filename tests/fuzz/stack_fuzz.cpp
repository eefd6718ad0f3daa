// stack.yml, as `faaslab up -f` reads it: envsubst, then YAML, then the topology and the
// functions' constraints against it. Any text: a StackFile or an error.
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
    for (const auto& f : stack->functions) {
      (void)faaslab::runtime::FunctionPool::validate(f);
      for (const auto& name : faaslab::runtime::eligible_nodes(stack->topology, f))
        (void)stack->topology.link_between(stack->topology.gateway_node, name);
    }
    for (const auto& l : stack->topology.links) (void)faaslab::format_bandwidth(l.up_bps);
  }
  return 0;
}
