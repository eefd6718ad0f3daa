#include "common/malloc_tuning.h"

#include <malloc.h>

namespace faaslab {

void keep_large_buffers_in_heap() {
  // Up to 256 MiB per allocation from the heap, and keep up to 512 MiB of free heap unreturned.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
}

}  // namespace faaslab
