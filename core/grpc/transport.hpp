#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/grpc/cors.hpp"
#include "core/grpc/options.hpp"
#include "core/grpc/web_frames.hpp"

typedef void CURLM;

namespace grpcmesh::grpc {

// The one transport of `grpcurl`: gRPC calls as HTTP/2 streams (h2c with
// prior knowledge for -plaintext, ALPN h2 over TLS) on one connection, or
// gRPC-Web over HTTP/1.1 or HTTP/2. Every kind of call (unary, server, client
// and bidirectional streams), server reflection and health checks go through
// it. Native gRPC runs on libnghttp2 over a socket (OpenSSL for TLS) that the
// transport drives itself; gRPC-Web runs on libcurl (HTTP/1.1 or HTTP/2, CORS
// preflights). docs/grpcurl.md says why there are two engines.
// Messages are length-prefixed frames (web_frames.hpp); the status comes from
// the HTTP/2 trailers, a Trailers-Only response's headers or, for gRPC-Web,
// the trailer frame.

// Where and how to connect, after --host resolution: the dial address and the
// TLS/authority choices (SNI, certificate name and :authority independently).
struct Target {
  std::string address;     // host:port to dial
  bool plaintext = false;  // h2c instead of TLS
  std::string authority;   // :authority; empty: the TLS server name, else the address
  std::string servername;  // TLS SNI and certificate name; empty: the authority's host, else the address's
};

Target target_from(const Options& options);

// The three names of a connection, worked out from a Target: the URL whose
// host is the TLS name (SNI and certificate check), the address the socket
// really goes to (CURLOPT_CONNECT_TO when they differ) and :authority.
struct Endpoint {
  std::string url_base;    // "https://grpc.example.com:443"
  std::string connect_to;  // "grpc.example.com:443:10.0.0.7:443", or empty
  std::string authority;   // :authority (the Host header)
};
Endpoint endpoint_for(const Target& target);

// How messages travel.
enum class Wire { kGrpc, kWeb, kWebText };

// Request metadata and deadline shared by the calls of one run.
struct CallSettings {
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<std::chrono::system_clock::time_point> deadline;
};

// How a call ended, for the exit code and the error report.
struct CallOutcome {
  int code = 0;
  std::string message;
  std::string details;  // grpc-status-details-bin, decoded
};

class Connection;

// One call: an HTTP/2 stream (or an HTTP/1.1 exchange for gRPC-Web).
// write/close_send/cancel may be called from any thread; everything else
// runs on the thread that owns the Connection, which drives the transfers.
class Call {
 public:
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Queues one request message; false when the call has already ended.
  bool write(std::string_view message);
  // No more request messages (the stream's END_STREAM).
  void close_send();
  // Ends the call (CANCELLED) as soon as the owning thread sees it.
  void cancel();

  // The next response message; false at the end of the call.
  bool read(std::string& message);
  // Waits for the response headers (or the end of the call).
  const Metadata& headers();
  // Waits for the end of the call and returns its status.
  CallOutcome finish();
  // Trailers (grpc-status and grpc-message left out), after finish().
  const Metadata& trailers() const { return trailers_; }
  // The raw response head (HTTP status, all headers), e.g. for CORS checks.
  const HttpHead& head() const { return head_; }
  bool done() const { return done_; }

 private:
  friend class Connection;
  struct Impl;
  friend struct CallCallbacks;
  friend struct H2Callbacks;
  explicit Call(Connection& connection);

  void throw_if_dial_failed();
  CallOutcome outcome_now() const;
  void end_of_headers();
  size_t on_header(std::string_view line);
  size_t on_body(std::string_view bytes);
  size_t on_read(char* buffer, size_t size);

  Connection& connection_;
  std::unique_ptr<Impl> impl_;
  HttpHead head_;
  Metadata headers_;       // as shown: reserved headers left out, -bin values decoded
  Metadata raw_trailers_;  // HTTP/2 trailers or the gRPC-Web trailer frame
  Metadata trailers_;      // as shown
  bool headers_done_ = false;
  bool trailers_only_ = false;
  bool done_ = false;
  std::optional<CallOutcome> local_status_;  // decided on our side (deadline, size, cancel)
  std::optional<std::string> dial_error_;    // the call never reached the server
};

// A connection to one target (or, once it fails, to none): libcurl's multi
// handle with at most one connection, over which every call is a stream.
class Connection {
 public:
  Connection(const Options& options, const Target& target, Wire wire, std::ostream* log);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts a call of `path` ("/pkg.Service/Method"). With `request`, that is
  // the only request message and the request side is closed at once.
  std::unique_ptr<Call> start(const std::string& path, const CallSettings& settings,
                              const std::string* request = nullptr);

  // An OPTIONS request with these headers (a browser's CORS preflight);
  // returns the response head. Throws Error when there is no response.
  HttpHead preflight(const std::string& path, const std::vector<std::string>& headers);

  // Runs the transfers on this thread until `done()` holds.
  void drive(const std::function<bool()>& done);
  // Wakes a drive() blocked on another thread (thread-safe).
  void wake();
  // Whether a failed dial is explained by probing the address (on by
  // default; completion turns it off to stay quick).
  void set_diagnose(bool on) { diagnose_ = on; }
  // A header every later call sends ("Origin: https://app.example.com").
  void add_header(const std::string& header) { extra_headers_.push_back(header); }

  // Whether a response has come back on the connection: later calls reuse it.
  bool connected() const { return connected_; }
  const Target& target() const { return target_; }
  const Endpoint& endpoint() const { return endpoint_; }
  Wire wire() const { return wire_; }

 private:
  friend class Call;
  friend struct H2Callbacks;
  std::unique_ptr<Call> new_transfer(const std::string& path,
                                     std::optional<std::chrono::system_clock::time_point> deadline);
  void launch(Call& call);
  void forget(Call* call);
  void finished(Call* call, int curl_code, const std::string& curl_error);

  struct H2;
  // The native gRPC engine (wire kGrpc).
  // Dials and, over TLS, shakes hands within -connect-timeout and the
  // call's deadline, whichever ends first.
  void h2_open(std::optional<std::chrono::system_clock::time_point> call_deadline);
  void h2_start(Call& call, const CallSettings& settings);
  void h2_drive(const std::function<bool()>& done);
  void h2_fail(const std::string& why);
  void h2_end(Call& call, uint32_t rst_code);
  void h2_abandon(Call& call);

  const Options& options_;
  std::unique_ptr<H2> h2_;
  Target target_;
  Endpoint endpoint_;
  Wire wire_;
  std::ostream* log_;
  std::vector<std::string> extra_headers_;
  CURLM* multi_ = nullptr;
  std::map<void*, Call*> calls_;  // easy handle -> call
  bool connected_ = false;        // a response has come back on this connection
  bool diagnose_ = true;
};

// "key: value" lines, sorted, or "(empty)"; -bin values in base64;
// authorization and cookie values shown as <redacted>.
std::string format_metadata(const Metadata& metadata);

}  // namespace grpcmesh::grpc
