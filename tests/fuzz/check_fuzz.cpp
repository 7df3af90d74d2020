// libFuzzer target: `check --offline -f -` as a whole (core/check: reading,
// decoding, every analyzer, the scope and each output format) on arbitrary
// stdin. Like the command, it must end with exit 0 or 3, or with exit 1 (one
// grpcmesh::Error), and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "core/check/check.hpp"
#include "core/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = grpcmesh::check;
  const std::string input(reinterpret_cast<const char*>(data), size);
  // The output format and scope come from the input's size, so every input
  // runs once and all of them are reached.
  static constexpr c::OutputFormat kFormats[] = {c::OutputFormat::Human, c::OutputFormat::Json,
                                                 c::OutputFormat::Yaml, c::OutputFormat::Sarif};
  c::Options options;
  options.files = {"-"};
  options.live = false;
  options.output = kFormats[size % 4];
  options.all_namespaces = (size / 4) % 2 == 0;
  options.fail_on = c::Level::Warning;
  options.now = std::chrono::system_clock::from_time_t(1893456000);
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  grpcmesh::Streams streams{in, out, err};
  int code = 1;
  try {
    code = c::run_check(options, nullptr, streams);
  } catch (const grpcmesh::Error&) {
    code = 1;
  }
  if (code != 0 && code != 1 && code != 3) {
    std::abort();
  }
  return 0;
}
