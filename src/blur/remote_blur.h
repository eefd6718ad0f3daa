// Blurring frames through a running function (faaslab-fn, or a gateway's /function/<name>):
// each frame is encoded, POSTed with ?format=image, and the reply decoded.
//
// Not thread-safe: one RemoteBlur per thread (it keeps its connection alive).
#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core/mat.hpp>

#include "blur/image_codec.h"
#include "common/http_client.h"
#include "common/url.h"

namespace faaslab::blur {

class RemoteBlur {
 public:
  RemoteBlur(Url url, Codec transport, Micros timeout);

  // Replaces `frame` with the function's blurred version; returns the face count (X-Faces).
  Result<int> blur(cv::Mat& frame);

 private:
  Url url_;
  std::string target_;
  Codec transport_;
  Micros timeout_;
  HttpClient client_;
};

}  // namespace faaslab::blur
