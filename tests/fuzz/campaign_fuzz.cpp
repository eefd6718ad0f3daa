// Campaign YAML, as `faaslab sweep -f` reads it, then the grid it expands to.
#include <cstddef>
#include <cstdint>
#include <string>

#include "experiment/campaign.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto campaign = faaslab::experiment::parse_campaign(text, "/nonexistent-fuzz-dir");
  if (campaign) {
    (void)faaslab::experiment::campaign_to_json(*campaign);
    (void)faaslab::experiment::expand(*campaign);
  }
  return 0;
}
