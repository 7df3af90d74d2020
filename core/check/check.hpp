#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/check/analyzer.hpp"
#include "core/check/deep/deep.hpp"
#include "core/check/paths.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::check {

enum class OutputFormat { Human, Json, Yaml, Sarif };

// Validated options of one `check` run (the CLI builds them from its flags).
struct Options {
  std::vector<std::string> files;  // -f, in order; "-" is stdin
  bool live = true;                // false with --offline or without any kubeconfig
  std::string namespace_name = "default";  // -n (or the context's): scope and default for files
  bool all_namespaces = false;             // -A
  std::string host;                        // --host: only this host's path
  Level fail_on = Level::Error;            // --fail-on
  bool fail_never = false;                 // --fail-on none
  OutputFormat output = OutputFormat::Human;
  bool color = false;
  bool deep = false;  // --deep: also verify what istiod sends the gateway pods (live only)
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Fills the snapshot from the cluster (implemented by the live loader; the
// CLI passes it in so the core of check needs no connection).
using LiveLoader = std::function<void(Snapshot&, const Options&)>;

// --deep: reads istiod's view of the gateway pods of `hosts` (the CLI passes
// it in, connected to istiod), appending its findings; returns what it read.
using DeepInspector = std::function<deep::DeepReport(const Snapshot&, const std::vector<std::string>& hosts,
                                                     std::vector<Message>& findings, Streams& streams)>;

// Loads (cluster, then files over it), analyses, filters to the scope and
// renders. Returns the exit code: 0, or 3 (kExitFindings) when something at
// or above --fail-on was found. Throws grpcmesh::Error when the check itself
// fails (unreadable input, unreachable cluster).
int run_check(const Options& options, const LiveLoader& live, Streams& streams, const DeepInspector& deep = {});

// Findings and paths limited to a namespace and/or host (exposed for tests).
void apply_scope(Result& result, std::vector<HostPath>& paths, const Snapshot& snapshot, const Options& options);

// Parses --fail-on (error|warning|info|none). Throws UsageError.
void parse_fail_on(const std::string& text, Options& options);
// Parses -o ("", json, yaml, sarif). Throws UsageError.
OutputFormat parse_output(const std::string& text);

}  // namespace grpcmesh::check
