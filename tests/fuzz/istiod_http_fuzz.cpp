// libFuzzer target: the HTTP/1.0 response reader of check --deep
// --istiod-address (core/check/deep/http.cpp) on arbitrary server bytes.
// The first byte picks the size of the pieces the rest arrives in; the
// response read in those pieces must be the response read whole (complete
// or not, the same status, body, Content-Type and error), an error is one
// line, and nothing may grow past the reader's limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/check/deep/http.hpp"

namespace {

using grpcmesh::check::deep::ResponseReader;

constexpr size_t kMaxBody = 1 << 20;

ResponseReader read(std::string_view text, size_t step) {
  ResponseReader r(kMaxBody);
  bool more = true;
  for (size_t at = 0; more && at < text.size(); at += step) {
    more = r.feed(text.substr(at, step));
  }
  if (more) {
    r.end();
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t step = data[0] == 0 ? 1 : data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  ResponseReader whole = read(text, text.empty() ? 1 : text.size());
  ResponseReader pieces = read(text, step);
  if (whole.complete() != pieces.complete() || whole.error() != pieces.error() ||
      whole.response().status != pieces.response().status || whole.response().body != pieces.response().body ||
      whole.response().content_type != pieces.response().content_type) {
    std::abort();  // the pieces changed what was read
  }
  if (whole.complete() == !whole.error().empty() || whole.error().find('\n') != std::string_view::npos ||
      whole.response().body.size() > kMaxBody) {
    std::abort();
  }
  return 0;
}
