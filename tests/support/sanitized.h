// FAASLAB_SANITIZED: defined in the AddressSanitizer build (gcc's and clang's spellings), for
// the few tests that cannot or need not run there; each says why where it skips.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define FAASLAB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAASLAB_SANITIZED 1
#endif
#endif
