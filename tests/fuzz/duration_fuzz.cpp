// libFuzzer target: Istio durations as the flags and check read them
// (core/stream/duration). What parses must format back to a duration that
// parses to the same value; a flag value is accepted or refused with a
// UsageError, nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/stream/duration.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace s = grpcmesh::stream;
  if (auto d = s::try_parse_duration(text)) {
    if (d->count() >= 0) {
      auto again = s::try_parse_duration(s::format_duration(*d));
      if (!again || *again != *d) {
        std::abort();  // format_duration wrote something try_parse_duration does not read back
      }
    }
  }
  try {
    (void)s::parse_duration_flag(text, "--timeout");
  } catch (const grpcmesh::UsageError&) {
  }
  return 0;
}
