// The request bodies a load run sends: frames of a video (cut in memory once), the images of a
// folder, one image, or one arbitrary body. Built once before the run, then shared read-only by
// every worker thread (immutable after construction, so thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab::load {

// How a frame or image is put on the wire.
//  kAsIs:   files as they are (folders, single images); for a video, same as kPng.
//  kPng:    PNG written by OpenCV at its defaults, as the study's client (cv2.imwrite) did.
//  kJpeg:   JPEG, quality 90 (TurboJPEG).
//  kBase64: base64 text (no line breaks) of the PNG or file, sent with no Content-Type: what the
//           study's client POSTed.
enum class WireFormat { kAsIs, kPng, kJpeg, kBase64 };

Result<WireFormat> wire_format_from_name(const std::string& name);  // as-is|png|jpeg|base64

struct Payload {
  std::string label;         // "frame-0001" (video), the file name (folder, file)
  std::string content_type;  // "" = send no Content-Type header
  std::shared_ptr<const std::string> body;
  std::string source_path;  // for --emit-jmx: where the body can be read back ("" if in memory)
};

struct PayloadSet {
  std::vector<Payload> items;
  // Of the video the frames came from (for --output-video); 0 when not a video.
  double fps = 0;
  int width = 0;
  int height = 0;
  std::string description;  // "37 frames of face.mp4 as png (41.2 MB)" for logs and summaries

  std::uint64_t total_bytes() const;
};

struct PayloadSource {
  enum class Kind { kVideo, kImage, kImageFolder, kBody } kind = Kind::kBody;
  std::string path;
  WireFormat format = WireFormat::kAsIs;
  std::uint32_t max_items = 0;  // 0 = all frames / files
  std::string content_type;     // for kBody only; default application/octet-stream
  int threads = 0;              // frames encoded in parallel; 0 = all cores
};

// Errors: missing or unreadable file, not a video, no frames, empty folder, a file in a folder
// that is not a JPEG or PNG, an image that cannot be decoded when a transcode is needed.
Result<PayloadSet> load_payloads(const PayloadSource& source);

// A payload set from bodies already in memory (tests, benchmarks).
PayloadSet payloads_from_bodies(const std::vector<std::string>& bodies,
                                const std::string& content_type);

}  // namespace faaslab::load
