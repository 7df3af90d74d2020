#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/kube/transport.hpp"

namespace grpcmesh::kube {

// What both transports read from a response header: `Warning` texts,
// `Retry-After` and `Content-Type`. The name is matched without regard to
// case; the value is trimmed.
void note_response_header(Exchange& exchange, std::string_view name, std::string_view value);

// The seconds a `Retry-After` value asks for, read as client-go reads it
// (k8s.io/client-go/rest/request.go retryAfterSeconds: strconv.Atoi, so an
// HTTP date or a number beyond 64 bits is no wait at all).
std::optional<std::chrono::seconds> retry_after_seconds(std::string_view value);

// Texts of `Warning: 299 - "text"` header values (several may share a header).
std::vector<std::string> parse_warnings(std::string_view value);

// A query parameter's name or value escaped for a URL: everything but
// ALPHA, DIGIT and "-._~" as %XX, as libcurl's curl_easy_escape does.
std::string escape_query(std::string_view text);

}  // namespace grpcmesh::kube
