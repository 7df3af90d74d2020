#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace grpcmesh::stream {

using Duration = std::chrono::milliseconds;

// Parses a duration as Istio accepts it (Go syntax: "24h", "1h30m", "300s",
// "1.5s", "250ms"; a bare "0" is zero). Nothing when `text` is not one.
std::optional<Duration> try_parse_duration(std::string_view text);

// The same for a flag value: throws UsageError naming `flag` when `text` is
// not a duration.
Duration parse_duration_flag(std::string_view text, std::string_view flag);

// The shortest Go-style rendering: 24h, 1h30m, 5m, 30s, 1500ms, 0s.
std::string format_duration(Duration d);

}  // namespace grpcmesh::stream
