#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/grpc/call.hpp"
#include "core/grpc/codec.hpp"
#include "core/grpc/options.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::grpc {

// Request metadata and deadline shared by every context of one run.
struct CallSettings {
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<std::chrono::system_clock::time_point> deadline;
  // -authority, set on every call: gRPC replaces the channel's default
  // authority with the TLS name override, and ours are independent.
  std::string authority;
  std::unique_ptr<::grpc::ClientContext> context() const;
};

// What happened, for the exit code and the error report.
struct CallOutcome {
  int code = 0;
  std::string message;
  std::string details;  // grpc-status-details-bin, raw
};

// Calls `method` once (any of the four kinds), printing responses and, with
// -v, metadata the way grpcurl does.
CallOutcome invoke(::grpc::GenericStub& stub, CallQueue& queue, const google::protobuf::MethodDescriptor& method,
                   Codec& codec, const Options& options, const CallSettings& settings, Streams& streams);

// Prints grpcurl's report of a failed call ("ERROR:\n  Code: ...") or, with
// -format-error, the status as JSON; both on stderr.
void print_status_error(const CallOutcome& outcome, const Options& options, Streams& streams);

// "key: value" lines, sorted, or "(empty)"; -bin values in base64.
std::string format_metadata(const Metadata& metadata);

}  // namespace grpcmesh::grpc
