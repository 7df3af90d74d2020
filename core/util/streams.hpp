#pragma once

#include <iosfwd>

namespace grpcmesh {

// The streams a command reads and writes. Machine output goes to `out`,
// human messages (summaries, warnings, progress) to `err`. Passed in, never
// global, so tests can capture them.
struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;
};

}  // namespace grpcmesh
