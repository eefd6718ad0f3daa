// The JSON bodies of the gateway's REST API: deploy/update (FunctionDeployment), scale, delete.
// A body parsed as a deployment must survive a round trip through faas-cli's shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/function_api.h"
#include "runtime/function_pool.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace faaslab::runtime;
  const std::string body(reinterpret_cast<const char*>(data), size);
  if (auto spec = parse_function_deployment(body)) {
    (void)FunctionPool::validate(*spec);
    auto again = parse_function_deployment(to_function_deployment(*spec).dump());
    if (!again || again->name != spec->name || again->fprocess != spec->fprocess ||
        again->environment != spec->environment || again->labels != spec->labels)
      std::abort();
  }
  (void)parse_scale_request(body);
  (void)parse_delete_request(body);
  return 0;
}
