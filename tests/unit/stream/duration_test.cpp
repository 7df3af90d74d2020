#include "core/stream/duration.hpp"

#include <doctest/doctest.h>

#include "core/util/error.hpp"
#include "tests/unit/mesh/fixtures.hpp"

using namespace grpcmesh::stream;

TEST_CASE("duration: Go syntax as Istio accepts it") {
  CHECK(try_parse_duration("24h") == Duration{86400000});
  CHECK(try_parse_duration("1h30m") == Duration{5400000});
  CHECK(try_parse_duration("1.5s") == Duration{1500});
  CHECK(try_parse_duration("250ms") == Duration{250});
  CHECK(try_parse_duration("0s") == Duration{0});
  CHECK(try_parse_duration("0") == Duration{0});
  CHECK_FALSE(try_parse_duration("").has_value());
  CHECK_FALSE(try_parse_duration("10").has_value());
  CHECK_FALSE(try_parse_duration("5 m").has_value());
  CHECK_FALSE(try_parse_duration("1d").has_value());
  CHECK_FALSE(try_parse_duration("1..5s").has_value());
}

TEST_CASE("duration: beyond Go's 2^63-1 ns is not a duration, however many digits") {
  CHECK(try_parse_duration("2562047h") == Duration{2562047LL * 3600000});
  CHECK_FALSE(try_parse_duration("2562048h").has_value());
  // Go's largest: whole milliseconds, printed as a duration that reads back
  // the same (duration_fuzz found it rounding up past the limit).
  CHECK(try_parse_duration("9223372036854775807ns") == Duration{9223372036854});
  CHECK(try_parse_duration(format_duration(Duration{9223372036854})) == Duration{9223372036854});
  CHECK_FALSE(try_parse_duration("99999999999999h").has_value());  // was LLONG_MIN: "must be at least 1ms"
  CHECK_FALSE(try_parse_duration(std::string(400, '9') + "s").has_value());  // was std::out_of_range from stod
  CHECK(grpcmesh::testing::error_of([] { parse_duration_flag("99999999999999h", "--idle-timeout"); }) ==
        "invalid --idle-timeout \"99999999999999h\": not a duration; use a number with a unit, e.g. 30s, 5m or 24h");
}

TEST_CASE("duration: the shortest rendering") {
  CHECK(format_duration(Duration{86400000}) == "24h");
  CHECK(format_duration(Duration{5400000}) == "1h30m");
  CHECK(format_duration(Duration{300000}) == "5m");
  CHECK(format_duration(Duration{3723000}) == "1h2m3s");
  CHECK(format_duration(Duration{1500}) == "1500ms");
  CHECK(format_duration(Duration{0}) == "0s");
}

TEST_CASE("duration: a bad flag value names the flag") {
  CHECK(grpcmesh::testing::error_of([] { parse_duration_flag("soon", "--idle-timeout"); }) ==
        "invalid --idle-timeout \"soon\": not a duration; use a number with a unit, e.g. 30s, 5m or 24h");
}
