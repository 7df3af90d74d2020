#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/kube/resource.hpp"
#include "core/kube/rest_config.hpp"

namespace grpcmesh::kube {

// One HTTP request to the API server. `path` starts with "/" and carries no
// query; query parameters are escaped by the client.
struct Request {
  std::string method = "GET";
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string content_type;  // for bodies, e.g. application/apply-patch+yaml
  std::string body;
  std::string accept = "application/json";
  // What the request does, for error messages: kubectl's verb (get, list,
  // patch, ...) and resource ("services", "gateways.networking.istio.io").
  std::string verb;
  std::string resource;
  std::string name;
  std::string namespace_name;
  bool idempotent = true;  // only idempotent requests are retried on 5xx/reset
};

struct Response {
  long status = 0;
  std::string body;
  std::string content_type;
  nlohmann::json json() const;  // the body parsed; throws Error when it is not JSON
};

// Options of a list call. An empty namespace lists across all namespaces.
struct ListOptions {
  std::string namespace_name;
  std::string label_selector;
  std::string field_selector;
  int page_size = 500;  // `limit`; the client follows `continue` tokens
};

// The items of a list, or the typed refusal: a 403 is a result the caller can
// degrade on (report "cannot read X"), not an exception.
struct ListResult {
  std::vector<nlohmann::json> items;  // each with apiVersion and kind filled in
  std::string resource_version;
  bool forbidden = false;
  std::string message;  // the server's message when forbidden
};

// One list call of Client::list_pages.
struct ListCall {
  ApiResource resource;
  ListOptions options;
};

// A Kubernetes API client on one reused connection (HTTP/2 natively over TLS,
// libcurl for proxies, http:// and servers without HTTP/2: transport.hpp;
// keep-alive, gzip unless disabled). Authentication
// (client certificates, tokens and token files, basic, exec plugins with
// caching and re-run on 401, oidc id-token) and impersonation follow
// the RestConfig. Warnings (`Warning: 299`) are written once each to
// `diagnostics`; with verbosity >= 6 each request line and status too
// (never tokens, keys or bodies).
class Client {
 public:
  Client(RestConfig config, std::ostream& diagnostics);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const RestConfig& config() const;

  // --- discovery (aggregated apidiscovery.k8s.io/v2, else /api + /apis; cached per client)

  // The served resource for a kind at the group's preferred version. Throws
  // Error (`the server doesn't have a resource type ...`) when not served.
  ApiResource resolve(const GroupKind& kind);
  // The same, at an explicit version; nothing when that version does not serve it.
  std::optional<ApiResource> find(const GroupKind& kind, const std::string& version = {});
  // Whether the group is installed at all (e.g. networking.istio.io).
  bool has_group(const std::string& group);
  // The versions the group serves, preferred first.
  std::vector<std::string> group_versions(const std::string& group);
  // The first of `candidates` the group serves ({"v1", "v1beta1"} for Istio
  // networking); nothing when none is served.
  std::optional<std::string> first_served_version(const std::string& group,
                                                  const std::vector<std::string>& candidates);

  // --- reads

  // One object; nothing when it does not exist (404). Other failures throw Error.
  std::optional<nlohmann::json> get(const ApiResource& resource, const std::string& namespace_name,
                                    const std::string& name);
  // All objects, following `continue` pages. 403 -> ListResult::forbidden.
  ListResult list(const ApiResource& resource, const ListOptions& options = {});
  // The same, handing each item to `on_item` as its page arrives instead of
  // collecting them (result.items stays empty): one page in memory at a time.
  // On a 403 nothing was handed over and result.forbidden is set.
  ListResult list_each(const ApiResource& resource, const ListOptions& options,
                       const std::function<void(nlohmann::json&&)>& on_item);

  // Several lists at once: the first page of every call is requested
  // concurrently (HTTP/2 streams on the shared connection), and each call's
  // next page as soon as its page has been read. Each page's raw JSON body is
  // handed to `on_page` (the call's index, the body) as it arrives, which
  // parses it as it likes and returns the page's metadata.continue ("" on the
  // last page); at most one page per call is in memory at a time. Returns one ListResult per
  // call (items stay empty; forbidden on 403). Other failures throw Error.
  std::vector<ListResult> list_pages(const std::vector<ListCall>& calls,
                                     const std::function<std::string(size_t, std::string&&)>& on_page);

  // --- raw

  // Sends a request (auth, retries, warnings, logging applied). Never throws
  // for an HTTP status; throws Error for transport failures (refused,
  // unknown host, TLS), rendered like kubectl.
  Response send(const Request& request);
  // Sends several requests concurrently (HTTP/2 streams on the shared
  // connection) and returns their responses in the same order; the same
  // authentication, retries, warnings and logging as send().
  std::vector<Response> send_all(const std::vector<Request>& requests);
  // Like send_all, but hands each response to `on_response` (the request's
  // index, the response) as soon as it arrives, so that only the responses
  // in flight are held at once.
  void send_each(const std::vector<Request>& requests, const std::function<void(size_t, Response&&)>& on_response);
  // send() + a 2xx check: a non-2xx response throws Error rendered like kubectl.
  nlohmann::json request(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grpcmesh::kube
