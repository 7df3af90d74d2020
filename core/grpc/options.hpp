#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/kube/connection_options.hpp"

namespace grpcmesh::grpc {

// What `grpcurl` is asked to do after the address.
enum class Verb { kInvoke, kList, kDescribe };

// How the call travels: native gRPC over HTTP/2, or gRPC-Web over HTTP via libcurl.
enum class WebMode { kNone, kBinary, kText };

// Everything the grpcurl command line says, validated. Durations are seconds
// (grpcurl's float-seconds flags); 0 means "not set".
struct Options {
  std::string address;  // host:port; empty with --host or a schema-only list/describe
  Verb verb = Verb::kInvoke;
  std::string symbol;  // method for invoke, service/symbol for list/describe

  bool plaintext = false;
  bool insecure = false;
  std::string cacert;
  std::string cert;
  std::string key;
  std::string servername;
  std::string authority;

  std::vector<std::string> headers;          // -H: every request
  std::vector<std::string> rpc_headers;      // -rpc-header: the call only
  std::vector<std::string> reflect_headers;  // -reflect-header: reflection only

  std::optional<std::string> data;  // -d; "@" reads stdin
  std::string format = "json";      // json or text
  bool format_error = false;
  bool emit_defaults = false;
  bool allow_unknown_fields = false;

  double connect_timeout = 10;
  double keepalive_time = 0;
  double max_time = 0;
  int max_msg_sz = 0;

  std::vector<std::string> protos;
  std::vector<std::string> import_paths;
  std::vector<std::string> protosets;
  std::optional<bool> use_reflection;  // default: on unless -proto/-protoset
  int verbosity = 0;                   // -v 1, -vv 2

  // Additions of kubectl grpcmesh.
  int repeat = 0;  // --repeat N: latency statistics over N calls
  int concurrency = 1;
  bool health = false;  // --health [SERVICE]
  std::string health_service;
  WebMode web = WebMode::kNone;
  std::string origin;  // --origin URL: CORS preflight first
  bool http2 = false;  // --http2: gRPC-Web over h2c instead of HTTP/1.1
  std::string host;    // --host HOST: resolve the gateway serving HOST
  bool port_forward = false;
  bool help = false;

  bool reflection_enabled() const {
    return use_reflection.value_or(protos.empty() && protosets.empty());
  }
};

// Parses grpcurl's argument list. Flags take one or two dashes, `-flag value`
// or `-flag=value`, and may appear anywhere before `--`; the kubectl
// connection flags (--kubeconfig, --context, -n, ...) are accepted too and
// stored in `kube`. Throws UsageError (exit 2) on a bad command line.
Options parse_args(const std::vector<std::string>& args, kube::ConnectionOptions& kube);

// A lenient look at a partial command line, for shell completion: applies
// the flags it knows (ignoring bad values), collects the positional
// arguments, and names a last flag still waiting for its value.
struct ArgScan {
  std::vector<std::string> positionals;
  std::string pending_flag;  // without dashes; empty when none
};
ArgScan scan_args(const std::vector<std::string>& args, Options& options, kube::ConnectionOptions& kube);

// Every flag name of the grammar, without dashes ("plaintext", "H", ...).
std::vector<std::string> flag_names();

// Parses "name: value" (grpcurl's -H syntax) into a lower-cased key and the
// value with leading spaces removed. Throws UsageError when there is no colon.
std::pair<std::string, std::string> parse_header(const std::string& header);

}  // namespace grpcmesh::grpc
