#include "core/grpc/status.hpp"

#include <array>

namespace grpcmesh::grpc {
namespace {

constexpr std::array<std::string_view, 17> kNames = {
    "OK",      "Canceled",           "Unknown",  "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
    "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};

constexpr std::array<std::string_view, 17> kConstants = {
    "OK",        "CANCELLED",          "UNKNOWN",            "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

}  // namespace

std::string code_name(int code) {
  if (code >= 0 && code < static_cast<int>(kNames.size())) {
    return std::string(kNames[static_cast<size_t>(code)]);
  }
  return "Code(" + std::to_string(code) + ")";
}

std::string code_constant(int code) {
  if (code >= 0 && code < static_cast<int>(kConstants.size())) {
    return std::string(kConstants[static_cast<size_t>(code)]);
  }
  return "CODE_" + std::to_string(code);
}

int exit_code_for(int code) { return code == 0 ? 0 : 64 + code; }

int code_for_http_status(long http_status) {
  switch (http_status) {
    case 400:
      return 13;  // INTERNAL
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 404:
      return 12;  // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;  // UNAVAILABLE
    default:
      return 2;  // UNKNOWN
  }
}

}  // namespace grpcmesh::grpc
