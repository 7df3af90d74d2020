#include "core/grpc/web.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <ostream>

#include "core/grpc/base64.hpp"
#include "core/grpc/cors.hpp"
#include "core/grpc/describe.hpp"
#include "core/grpc/status.hpp"
#include "core/grpc/web_frames.hpp"
#include "core/util/error.hpp"
#include "core/version.hpp"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::pair<std::string, std::string> host_port(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    return {address.substr(0, close + 1), close + 2 <= address.size() ? address.substr(close + 2) : ""};
  }
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return {address, ""};
  }
  return {address.substr(0, colon), address.substr(colon + 1)};
}

// The URL names the TLS server name (so SNI and certificate checks use it);
// CURLOPT_CONNECT_TO sends the connection to the real address, and the Host
// header (":authority" in HTTP/2) carries -authority: three independent names.
struct Endpoint {
  std::string url_base;
  std::string connect_to;
  std::string authority;
};

Endpoint endpoint_for(const Options& o, const Target& t) {
  auto [host, port] = host_port(t.address);
  if (port.empty()) {
    port = t.plaintext ? "80" : "443";
  }
  std::string url_host = host;
  if (!t.plaintext && !t.servername.empty()) {
    url_host = t.servername;
  } else if (!t.authority.empty()) {
    url_host = host_port(t.authority).first;
  }
  Endpoint e;
  e.url_base = fmt::format("{}://{}:{}", t.plaintext ? "http" : "https", url_host, port);
  if (url_host != host) {
    e.connect_to = fmt::format("{}:{}:{}:{}", url_host, port, host, port);
  }
  e.authority = t.authority;
  (void)o;
  return e;
}

// Response state shared with libcurl's callbacks.
struct Exchange {
  HttpHead head;
  bool text = false;
  WebFrameParser frames;
  WebTextDecoder decoder;
  bool bad_text = false;
  std::exception_ptr failure;  // thrown by on_frame; never crosses libcurl
  std::function<void(const WebFrame&)> on_frame;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& x = *static_cast<Exchange*>(user);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (line.rfind("HTTP/", 0) == 0) {
    x.head.headers.clear();  // a new response (after 100 Continue)
    return size * count;
  }
  if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    x.head.headers.emplace(lower(line.substr(0, colon)), value);
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& x = *static_cast<Exchange*>(user);
  std::string_view chunk(data, size * count);
  if (x.text) {
    auto decoded = x.decoder.feed(chunk);
    if (!decoded) {
      x.bad_text = true;
      return 0;
    }
    x.frames.feed(*decoded);
  } else {
    x.frames.feed(chunk);
  }
  try {
    while (auto frame = x.frames.next()) {
      if (x.on_frame) {
        x.on_frame(*frame);
      }
    }
  } catch (...) {
    x.failure = std::current_exception();
    return 0;
  }
  return size * count;
}

std::string grpc_timeout(const CallSettings& s) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*s.deadline - std::chrono::system_clock::now());
  return std::to_string(std::max<long>(1, left.count())) + "m";
}

void apply_tls(CURL* curl, const Options& o) {
  if (!o.cacert.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, o.cacert.c_str());
  }
  if (!o.cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, o.cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, o.key.c_str());
  }
  if (o.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// Performs one request; throws Error with curl's reason and a hint.
void perform(CURL* curl, const std::string& url, const Options& o, const Target& t) {
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR) {
    return;
  }
  std::string hint;
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
    hint = ": pass -cacert with the CA that signed the certificate, or -insecure to skip verification";
  } else if (rc == CURLE_SSL_CONNECT_ERROR && !t.plaintext) {
    hint = ": if the server does not speak TLS, add -plaintext";
  } else if ((rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY) && t.plaintext) {
    hint = ": if the server speaks TLS, drop -plaintext";
  }
  throw Error(fmt::format("gRPC-Web request to {} failed: {}{}", url, errbuf[0] ? errbuf : curl_easy_strerror(rc), hint));
  (void)o;
}

CurlPtr new_handle(const Options& o, const Target& t) {
  CurlPtr curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    throw Error("could not initialise libcurl");
  }
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout * 1000));
  if (o.max_time > 0) {
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(o.max_time * 1000));
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTP_VERSION,
                   t.plaintext ? (o.http2 ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_1_1)
                               : CURL_HTTP_VERSION_2TLS);
  apply_tls(curl.get(), o);
  return curl;
}

void print_lines(Streams& s, const std::string& title, const std::vector<std::string>& lines) {
  s.err << title << '\n';
  for (const std::string& l : lines) {
    s.err << "  " << l << '\n';
  }
}

HttpHead preflight(const Options& o, const Target& t, const Endpoint& e, const std::string& url,
                   const Preflight& p) {
  CurlPtr curl = new_handle(o, t);
  HeaderList connect_to(nullptr, curl_slist_free_all);
  if (!e.connect_to.empty()) {
    connect_to.reset(curl_slist_append(nullptr, e.connect_to.c_str()));
    curl_easy_setopt(curl.get(), CURLOPT_CONNECT_TO, connect_to.get());
  }
  std::string joined;
  for (const std::string& h : p.request_headers) {
    joined += (joined.empty() ? "" : ",") + h;
  }
  HeaderList headers(nullptr, curl_slist_free_all);
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("Origin: " + p.origin).c_str());
  list = curl_slist_append(list, ("Access-Control-Request-Method: " + p.method).c_str());
  list = curl_slist_append(list, ("Access-Control-Request-Headers: " + joined).c_str());
  if (!e.authority.empty()) {
    list = curl_slist_append(list, ("Host: " + e.authority).c_str());
  }
  headers.reset(list);
  Exchange x;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "OPTIONS");
  curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &x);
  perform(curl.get(), url, o, t);
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &x.head.status);
  return x.head;
}

}  // namespace

CallOutcome invoke_web(const pb::MethodDescriptor& method, Codec& codec, const Options& o, const Target& t,
                       const CallSettings& settings, Streams& streams) {
  if (method.client_streaming()) {
    throw UsageError(fmt::format("gRPC-Web carries unary and server-streaming calls only; {} streams from the client",
                                 method.full_name()));
  }
  auto request = codec.next_request(*method.input_type());
  if (!request) {
    request = codec.make(*method.input_type());
  } else if (codec.next_request(*method.input_type())) {
    throw Error(fmt::format("method \"{}\" takes one request, but the request data contained more than 1 message",
                            method.full_name()));
  }
  const Endpoint e = endpoint_for(o, t);
  const std::string path = fmt::format("/{}/{}", method.service()->full_name(), method.name());
  const std::string url = e.url_base + path;

  std::vector<std::string> metadata_names;
  for (const auto& [k, v] : settings.metadata) {
    metadata_names.push_back(k);
  }
  if (!o.origin.empty()) {
    Preflight p = browser_preflight(o.origin, settings.deadline.has_value(), metadata_names);
    CorsReport report = check_preflight(p, preflight(o, t, e, url, p));
    print_lines(streams, fmt::format("CORS preflight: OPTIONS {} from origin {}", url, o.origin), report.lines);
    if (!report.allowed) {
      throw Error(fmt::format("a browser at {} would block this call: {}", o.origin, report.blocked_because));
    }
  }

  CurlPtr curl = new_handle(o, t);
  HeaderList connect_to(nullptr, curl_slist_free_all);
  if (!e.connect_to.empty()) {
    connect_to.reset(curl_slist_append(nullptr, e.connect_to.c_str()));
    curl_easy_setopt(curl.get(), CURLOPT_CONNECT_TO, connect_to.get());
  }
  const bool text = o.web == WebMode::kText;
  const std::string content_type = text ? "application/grpc-web-text" : "application/grpc-web+proto";
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("Content-Type: " + content_type).c_str());
  list = curl_slist_append(list, ("Accept: " + content_type).c_str());
  list = curl_slist_append(list, "X-Grpc-Web: 1");
  list = curl_slist_append(list, ("X-User-Agent: grpc-web-kubectl-grpcmesh/" + build_info().version).c_str());
  list = curl_slist_append(list, "Expect:");
  if (settings.deadline) {
    list = curl_slist_append(list, ("grpc-timeout: " + grpc_timeout(settings)).c_str());
  }
  if (!e.authority.empty()) {
    list = curl_slist_append(list, ("Host: " + e.authority).c_str());
  }
  if (!o.origin.empty()) {
    list = curl_slist_append(list, ("Origin: " + o.origin).c_str());
  }
  for (const auto& [k, v] : settings.metadata) {
    list = curl_slist_append(list, (k + ": " + v).c_str());
  }
  HeaderList headers(list, curl_slist_free_all);

  const std::string framed = web_frame(request->SerializeAsString());
  const std::string body = text ? base64_encode(framed) : framed;
  const bool verbose = o.verbosity > 0;
  if (verbose) {
    Metadata sent(settings.metadata.begin(), settings.metadata.end());
    streams.out << "\nResolved method descriptor:\n"
                << print_method(method) << "\nRequest metadata to send:\n"
                << format_metadata(sent) << '\n';
  }

  Exchange x;
  x.text = text;
  Metadata trailers;
  bool saw_trailers = false;
  bool headers_printed = false;
  size_t received = 0;
  auto print_headers = [&] {
    if (verbose && !headers_printed) {
      Metadata md;
      for (const auto& [k, v] : x.head.headers) {
        if (k.rfind("access-control-", 0) != 0 && k != "date" && k != "vary" && k != "content-length" &&
            k != "transfer-encoding" && k != "connection" && k != "keep-alive") {
          md.emplace(k, v);
        }
      }
      streams.out << "\nResponse headers received:\n" << format_metadata(md) << '\n';
    }
    headers_printed = true;
  };
  x.on_frame = [&](const WebFrame& f) {
    print_headers();
    if (f.trailer) {
      trailers = parse_trailer_block(f.data);
      saw_trailers = true;
      return;
    }
    auto response = codec.make(*method.output_type());
    if (!response->ParseFromString(f.data)) {
      throw Error(fmt::format("the server's response is not a valid {}", method.output_type()->full_name()));
    }
    ++received;
    if (verbose) {
      streams.out << "\nResponse contents:\n";
    }
    streams.out << codec.print(*response) << '\n';
    streams.out.flush();
  };
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &x);
  perform(curl.get(), url, o, t);
  if (x.failure) {
    std::rethrow_exception(x.failure);
  }
  if (x.bad_text) {
    throw Error("the gRPC-Web text response is not valid base64");
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &x.head.status);
  print_headers();

  CallOutcome outcome;
  // The status: the trailer frame, else response headers (Trailers-Only, or
  // a proxy's mapping), else the HTTP status.
  const Metadata* source = nullptr;
  Metadata from_headers(x.head.headers.begin(), x.head.headers.end());
  if (saw_trailers && trailers.count("grpc-status")) {
    source = &trailers;
  } else if (from_headers.count("grpc-status")) {
    source = &from_headers;
  }
  if (source != nullptr) {
    outcome.code = std::atoi(source->find("grpc-status")->second.c_str());
    if (auto m = source->find("grpc-message"); m != source->end()) {
      outcome.message = m->second;
    }
  } else if (x.head.status != 200) {
    outcome.code = code_for_http_status(x.head.status);
    outcome.message = fmt::format("HTTP {} with no grpc-status from {} (is it a gRPC-Web endpoint?)", x.head.status, url);
  } else {
    outcome.code = 2;
    outcome.message = "the response ended without a grpc-status";
  }
  if (verbose) {
    Metadata shown;
    for (const auto& [k, v] : trailers) {
      if (k != "grpc-status" && k != "grpc-message") {
        shown.emplace(k, v);
      }
    }
    streams.out << "\nResponse trailers received:\n" << format_metadata(shown) << '\n'
                << "Sent 1 request and received " << received << (received == 1 ? " response" : " responses")
                << '\n';
  }
  if (!o.origin.empty()) {
    CorsReport report = check_response(o.origin, x.head);
    print_lines(streams, "CORS on the response:", report.lines);
    if (!report.allowed) {
      throw Error(fmt::format("a browser at {} could not read the response: {}", o.origin, report.blocked_because));
    }
  }
  return outcome;
}

}  // namespace grpcmesh::grpc
