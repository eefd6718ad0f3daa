#include "common/open_file_limit.h"

#include <sys/resource.h>

namespace faaslab {

std::uint64_t raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? ~std::uint64_t{0}
                                       : static_cast<std::uint64_t>(lim.rlim_cur);
}

}  // namespace faaslab
