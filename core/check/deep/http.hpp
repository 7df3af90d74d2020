#pragma once

// A small HTTP/1.0 client for istiod's debug port given directly
// (--istiod-address): plain TCP, one connection per request, GET only. With
// HTTP/1.0 a server sends the body with a Content-Length or until it closes
// the connection, never chunked, so reading it needs no more than this file.
// It exists so that `check --deep --istiod-address` does not load libcurl
// and its ~30 shared libraries (docs/benchmarks.md, "check --deep").
//
// Bounded: a response head is at most kMaxHead bytes, a body at most the
// reader's limit, every request ends by its deadline (--request-timeout),
// and a malformed response is one error line.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.hpp"

namespace grpcmesh::check::deep {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

// Reads one HTTP/1.x response from the bytes of a connection as they arrive.
class ResponseReader {
 public:
  static constexpr size_t kMaxHead = 64 * 1024;  // status line and headers, all 1xx heads included
  static constexpr size_t kMaxBody = size_t{1} << 30;
  explicit ResponseReader(size_t max_body = kMaxBody) : max_body_(max_body) {}

  // Takes the next bytes of the connection. Returns false once nothing more
  // is needed: the response is complete, or malformed (error()).
  bool feed(std::string_view bytes);
  // The connection ended: a body read to the end of the connection is
  // complete now; anything else not complete is malformed.
  void end();

  bool complete() const { return state_ == State::kDone; }
  // Why the response is malformed, one line; "" when it is not.
  const std::string& error() const { return error_; }
  HttpResponse& response() { return response_; }

 private:
  enum class State { kHead, kBody, kDone, kFailed };
  bool fail(std::string why);
  bool parse_head(std::string_view head);
  bool take_body(std::string_view bytes);

  size_t max_body_;
  State state_ = State::kHead;
  std::string head_;         // the head read so far
  size_t head_total_ = 0;    // bytes of every head read (1xx ones too)
  size_t scanned_ = 0;       // head_ searched for its end up to here
  bool has_length_ = false;  // a Content-Length: the body is that long
  size_t length_ = 0;
  std::string error_;
  HttpResponse response_;
};

// How a request failed.
class HttpError : public Error {
 public:
  enum class Kind { kConnect, kTimeout, kMalformed, kCancelled };
  HttpError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// GETs from one HOST:PORT over plain HTTP/1.0.
class HttpClient {
 public:
  // `timeout` bounds each request from its start to its last byte (0: only
  // the 30 s connect timeout); a readable `cancel_fd` (-1: none) ends every
  // request in flight with HttpError kCancelled.
  HttpClient(std::string host, std::string port, std::chrono::milliseconds timeout, int cancel_fd = -1,
             size_t max_body = ResponseReader::kMaxBody);

  // GETs each path, all at once, each on a connection of its own, handing
  // each response to `on_response` (its index in `paths`) as it completes.
  // Throws HttpError when one cannot be had; what on_response throws passes
  // as it is.
  void get_each(const std::vector<std::string>& paths,
                const std::function<void(size_t, HttpResponse&&)>& on_response) const;

 private:
  std::string host_;
  std::string port_;
  std::chrono::milliseconds timeout_;
  int cancel_fd_;
  size_t max_body_;
};

// "HOST:PORT" (IPv6 in brackets) split; false when it is not that.
bool split_host_port(std::string_view address, std::string& host, std::string& port);

}  // namespace grpcmesh::check::deep
