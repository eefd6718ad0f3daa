#include "common/utf8.h"

#include <iconv.h>

#include <cerrno>
#include <vector>

namespace faaslab {

// glibc's iconv refuses overlong forms and surrogates when it decodes UTF-8, but still accepts
// the 4- to 6-byte forms of code points past U+10FFFF (F5..FD leads), which nlohmann::json
// refuses; its UTF-32 encoder refuses those. So: converting to UTF-32 stops at the first
// invalid or truncated sequence.
std::optional<std::size_t> invalid_utf8_at(std::string_view text) {
  iconv_t cd = ::iconv_open("UTF-32LE", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;  // cannot check: let it through
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  std::vector<char> out(4096);
  std::optional<std::size_t> bad;
  while (in_left > 0) {
    char* out_at = out.data();
    std::size_t out_left = out.size();
    if (::iconv(cd, &in, &in_left, &out_at, &out_left) != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;                      // output chunk full: convert on
    bad = static_cast<std::size_t>(in - text.data());  // EILSEQ or EINVAL (truncated at the end)
    break;
  }
  ::iconv_close(cd);
  return bad;
}

}  // namespace faaslab
