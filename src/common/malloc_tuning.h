// Process-wide allocator setting for binaries that handle frames (megabytes per request).
#pragma once

namespace faaslab {

// glibc serves allocations over its mmap threshold with fresh mmap'd pages and returns them on
// free, so every frame-sized buffer (a decoded 1308x888 frame is 3.5 MB) costs ~900 page faults,
// each zeroing a page: measured as 15% of the handler's time. Raising the mmap and trim
// thresholds keeps freed buffers in the heap for the next request. Call once, early in main().
void keep_large_buffers_in_heap();

}  // namespace faaslab
