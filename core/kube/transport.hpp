#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace grpcmesh::kube {

// How the client core reaches the API server. Two transports carry the same
// exchanges: a native HTTP/2 one (libnghttp2 over OpenSSL, h2_transport.cpp)
// for the common case, a direct TLS connection to a server that speaks
// HTTP/2, and libcurl (curl_transport.cpp) for everything else: proxies,
// plain http:// servers (`kubectl proxy`) and servers without HTTP/2. libcurl
// brings about 30 shared libraries, so the native transport is what keeps
// `apply` and `check` small; Client picks one (client.cpp). Retries, exec
// re-runs, logging and error wording stay in Client, above both.

// Why an exchange got no HTTP response.
enum class Failure {
  kNone,
  kRefused,            // nothing listens at the address
  kUnknownHost,        // the server's name does not resolve
  kUnknownProxy,       // the proxy's name does not resolve
  kTlsVerify,          // the certificate chain is not trusted
  kTlsName,            // the certificate does not hold the server's name
  kBadCa,              // the certificate-authority is not a PEM bundle
  kClientCertificate,  // the client certificate or key cannot be used
  kTimeout,            // --request-timeout or the connect timeout passed
  kReset,              // the connection or stream broke: worth a retry when idempotent
  kNoHttp2,            // the TLS server did not offer HTTP/2 (native transport only)
  kOther,
};

// One HTTP request as a transport sends it, and what came back.
struct Exchange {
  std::string method = "GET";
  std::string target;  // the server URL's path prefix, the path and the escaped query
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, User-Agent, Accept-Encoding
  const std::string* body = nullptr;                         // nothing for GET
  std::chrono::steady_clock::time_point start;  // set by the caller; --request-timeout counts from it

  long status = 0;
  std::string response_body;  // decompressed
  std::string content_type;
  std::string retry_after;
  std::vector<std::string> warnings;  // texts of `Warning: 299 - "text"`
  Failure failure = Failure::kNone;
  std::string detail;  // the failure in the transport's own words
  // A kReset the server did not act on (HTTP/2 REFUSED_STREAM, or a stream
  // past a GOAWAY's last one): safe to send again even when not idempotent.
  bool unprocessed = false;
};

// Where and how to connect, from the RestConfig.
struct TransportSettings {
  std::string scheme;  // https or http
  std::string host;    // as written in the server URL (IPv6 in brackets)
  std::string port;
  std::string authority;        // the Host / :authority (host[:port] as written)
  std::string tls_server_name;  // SNI and the name checked; empty: the host
  std::string ca_pem;           // the only trust anchors when set
  bool insecure = false;
  std::string cert_pem;  // client certificate chain and key, PEM
  std::string key_pem;
  std::string proxy;     // proxy URL, empty for none
  std::string no_proxy;  // NO_PROXY, applied by the transport
  bool compression = true;
  std::chrono::milliseconds request_timeout{0};  // 0: none
  std::chrono::milliseconds connect_timeout{30000};
  std::string user_agent;
};

// A transport runs exchanges concurrently on its connection(s).
class Transport {
 public:
  virtual ~Transport() = default;
  // The client certificate changed (an exec plugin returned one): later
  // exchanges present it.
  virtual void set_client_certificate(const std::string& cert_pem, const std::string& key_pem) = 0;
  // Starts an exchange; it stays owned by the caller until it has ended.
  virtual void start(Exchange& exchange) = 0;
  // Drops every exchange in flight (after an error the caller gives up on).
  virtual void abandon() = 0;

  // The next exchange to end (any of those started); nullptr when none is in flight.
  Exchange* next_done();
  // Drives until `exchange` has ended. Others that end meanwhile are kept
  // for next_done().
  void wait_for(Exchange& exchange);

 protected:
  // Drives the exchanges in flight until one ends and returns it; nullptr
  // when none is in flight.
  virtual Exchange* drive() = 0;
  std::deque<Exchange*> ended_;  // ended, not yet handed back
};

std::unique_ptr<Transport> make_curl_transport(const TransportSettings& settings);

// The native HTTP/2 transport, for https:// servers reached without a proxy.
// It connects at once, and returns nothing when the server does not offer
// HTTP/2 (use libcurl then). Any other failure to connect is reported by the
// first exchange started, without a second attempt.
std::unique_ptr<Transport> make_h2_transport(const TransportSettings& settings);

// The same transport on a socket already connected, without TLS (HTTP/2 with
// prior knowledge); it owns and closes `fd`. For the fuzz target that feeds
// it arbitrary server bytes (tests/fuzz/kube_h2_fuzz.cpp): kubectl itself
// never speaks h2c.
std::unique_ptr<Transport> make_h2_transport_on_socket(const TransportSettings& settings, int fd);

}  // namespace grpcmesh::kube
