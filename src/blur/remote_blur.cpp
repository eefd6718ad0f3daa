#include "blur/remote_blur.h"

#include <charconv>

namespace faaslab::blur {

RemoteBlur::RemoteBlur(Url url, Codec transport, Micros timeout)
    : url_(std::move(url)),
      transport_(transport),
      timeout_(timeout),
      client_(url_.host, url_.port) {
  target_ = url_.target + (url_.target.find('?') == std::string::npos ? "?" : "&") + "format=image";
}

Result<int> RemoteBlur::blur(cv::Mat& frame) {
  EncodeOptions quality;
  quality.jpeg_quality = 95;  // the transport should not be what degrades the video
  auto encoded = encode_image(frame, transport_, quality);
  if (!encoded) return encoded.error_value();
  HttpRequest request;
  request.method = "POST";
  request.target = target_;
  request.headers = {{"Content-Type", std::string(codec_mime_type(transport_))}};
  request.body.assign(encoded->begin(), encoded->end());
  auto response = client_.send(request, timeout_);
  if (!response) return make_error(url_.to_string() + ": " + response.error(), Errc::kUnavailable);
  if (response->status != 200) {
    return make_error(url_.to_string() + " answered " + std::to_string(response->status) + ": " +
                          response->body.substr(0, 300),
                      Errc::kUnavailable);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(response->body.data());
  auto pixels = decode_image({bytes, response->body.size()});
  if (!pixels)
    return make_error(
        url_.to_string() + " returned something that is not an image: " + pixels.error(),
        Errc::kUnavailable);
  if (pixels->size() != frame.size())
    return make_error(url_.to_string() + " returned an image of a different size",
                      Errc::kUnavailable);
  frame = std::move(*pixels);
  int faces = 0;
  const std::string header = response->header("X-Faces");
  std::from_chars(header.data(), header.data() + header.size(), faces);
  return faces;
}

}  // namespace faaslab::blur
