#include "common/url.h"

#include <charconv>

namespace faaslab {

std::string Url::to_string() const {
  return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + target;
}

Result<Url> parse_url(std::string_view text) {
  const std::string original(text);
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, 8) == "https://")
    return make_error("https is not supported in '" + original + "' (use http://)");
  if (text.substr(0, kScheme.size()) != kScheme)
    return make_error("URL '" + original + "' must start with http://");
  text.remove_prefix(kScheme.size());
  const auto slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  Url url;
  if (slash != std::string_view::npos) {
    url.target = std::string(text.substr(slash));
    if (url.target.front() == '?') url.target = "/" + url.target;
  }
  if (authority.empty()) return make_error("URL '" + original + "' has no host");
  std::string_view port_text;
  if (authority.front() == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return make_error("URL '" + original + "' has an unclosed '['");
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return make_error("URL '" + original + "' is malformed");
      port_text = authority.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return make_error("URL '" + original + "' has no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [p, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return make_error("URL '" + original + "' has an invalid port");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace faaslab
