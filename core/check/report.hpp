#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "core/check/analyzer.hpp"
#include "core/check/paths.hpp"

namespace grpcmesh::check {

// {"findings": [{"code", "level", "message", "fix", "resource": {"kind",
// "namespace", "name"}, "istioCode"}], "skipped": [{"analyzer", "reason"}]}
// Keys keep that order (ordered_json).
nlohmann::ordered_json to_json(const Result& result);

// The document of -o json and -o yaml: {"schemaVersion": kJsonSchemaVersion,
// "findings", "skipped" (as above), "paths": [{"host", "hops": [{"hop",
// "label", "status"}]}]}, the paths as the default report draws them, each
// hop's status OK, WARN, BROKEN or UNCHECKED. docs/check.md describes each
// version.
inline constexpr int kJsonSchemaVersion = 2;
nlohmann::ordered_json to_json(const Result& result, const std::vector<HostPath>& paths);

// SARIF 2.1.0: one run, the whole catalogue as rules, one result per finding
// located at the file and line of its object when it came from a file.
nlohmann::json to_sarif(const Result& result, const std::string& tool_version);

struct HumanOptions {
  bool color = false;  // ANSI colours (only on a terminal, never with NO_COLOR or TERM=dumb)
};

// The human report: per host, the path client -> load balancer -> gateway
// server -> route -> service port -> endpoints with each hop OK, WARN or
// BROKEN (or UNCHECKED: no finding, but an analyzer of that hop was skipped,
// each named under the hop with the reason) and the findings under it; then
// findings tied to no host, every skipped analyzer and a summary line.
void render_human(std::ostream& out, const Result& result, const std::vector<HostPath>& paths,
                  const HumanOptions& options);

// Whether any finding is at or above `level`.
bool has_findings_at(const Result& result, Level level);

}  // namespace grpcmesh::check
