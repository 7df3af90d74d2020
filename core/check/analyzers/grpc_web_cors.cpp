// CORS for gRPC-Web: the preflight (OPTIONS, no content-type) must find the
// corsPolicy; browsers must be allowed to send the gRPC-Web headers and to
// read grpc-status / grpc-message; allowOrigin is deprecated.
#include <fmt/format.h>

#include <algorithm>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

constexpr std::array<std::string_view, 4> kAllowHeaders = {"content-type", "x-grpc-web", "x-user-agent",
                                                           "grpc-timeout"};
constexpr std::array<std::string_view, 2> kExposeHeaders = {"grpc-status", "grpc-message"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

template <size_t N>
std::string missing(Node listed, const std::array<std::string_view, N>& wanted) {
  std::vector<std::string> have;
  for (const std::string& h : mesh::string_list(listed)) {
    have.push_back(lower(h));
  }
  if (std::find(have.begin(), have.end(), "*") != have.end()) {
    return {};
  }
  std::vector<std::string_view> out;
  for (std::string_view w : wanted) {
    if (std::find(have.begin(), have.end(), w) == have.end()) {
      out.push_back(w);
    }
  }
  return fmt::format("{}", fmt::join(out, ", "));
}

// Every match of the rule requires a content-type header.
bool only_content_type(Node rule) {
  const auto& matches = field(rule, "match");
  if (!matches.is_array() || matches.empty()) {
    return false;
  }
  for (const auto& m : matches) {
    const auto& headers = field(m, "headers");
    if (!headers.is_object() || !headers.contains("content-type")) {
      return false;
    }
  }
  return true;
}

class GrpcWebCors final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      std::string host = hosts.empty() ? std::string() : hosts[0];
      const auto& rules = field(vs.spec(), "http");
      if (!rules.is_array()) {
        continue;
      }
      bool web = serves_grpc_web(ctx, vs, hosts);
      bool preflight_cors = false;
      for (const auto& rule : rules) {
        preflight_cors = preflight_cors || (field(rule, "corsPolicy").is_object() && !only_content_type(rule));
      }
      bool any_cors = false;
      for (size_t i = 0; i < rules.size(); ++i) {
        const auto& cors = field(rules[i], "corsPolicy");
        if (!cors.is_object()) {
          continue;
        }
        any_cors = true;
        if (!field(cors, "allowOrigin").is_null()) {
          ctx.report(vs, msg::CorsAllowOriginDeprecated().for_host(host));
        }
        if (!web && !mesh::rule_looks_grpc(rules[i])) {
          continue;  // CORS for a plain web app: not ours to judge
        }
        if (only_content_type(rules[i]) && !preflight_cors) {
          ctx.report(vs, msg::CorsOnlyOnContentTypeRoute(static_cast<int>(i)).for_host(host));
        }
        if (std::string m = missing(field(cors, "allowHeaders"), kAllowHeaders); !m.empty()) {
          ctx.report(vs, msg::CorsAllowHeadersIncomplete(m).for_host(host));
        }
        if (std::string m = missing(field(cors, "exposeHeaders"), kExposeHeaders); !m.empty()) {
          ctx.report(vs, msg::CorsExposeHeadersIncomplete(m).for_host(host));
        }
      }
      if (!any_cors) {
        report_grpc_web_servers_without_cors(ctx, vs, hosts);
      }
    }
  }

 private:
  // The route is reached through a GRPC-WEB gateway server, or goes to a
  // grpc-web Service port.
  static bool serves_grpc_web(const Context& ctx, const Resource& vs, const std::vector<std::string>& hosts) {
    for (const Resource* gw : mesh::bound_gateways(ctx, vs)) {
      for (const std::string& host : hosts) {
        for (Node server : mesh::servers_for_host(*gw, host)) {
          if (mesh::upper(server["port"]["protocol"].str()) == "GRPC-WEB") {
            return true;
          }
        }
      }
    }
    for (const mesh::Destination& d : mesh::destinations(vs)) {
      const Resource* svc = mesh::destination_service(ctx, d, vs.namespace_name);
      Node port = svc != nullptr && d.port != 0 ? mesh::find_port(*svc, d.port) : Node();
      if (!port.is_null() && mesh::port_protocol(port).protocol == mesh::protocol::kGrpcWeb) {
        return true;
      }
    }
    return false;
  }

  static void report_grpc_web_servers_without_cors(Context& ctx, const Resource& vs,
                                                   const std::vector<std::string>& hosts) {
    for (const Resource* gw : mesh::bound_gateways(ctx, vs)) {
      for (const std::string& host : hosts) {
        for (Node server : mesh::servers_for_host(*gw, host)) {
          if (mesh::upper(server["port"]["protocol"].str()) == "GRPC-WEB") {
            ctx.report(vs, msg::GrpcWebCorsMissing(server["port"]["number"].get<int>(), host)
                               .for_host(host));
          }
        }
      }
    }
  }

  AnalyzerMeta meta_{"grpc_web_cors",
                     "CORS for gRPC-Web: preflight not matched, gRPC-Web headers not allowed or exposed, deprecated fields",
                     {Kind::VirtualService},
                     {Kind::Gateway, Kind::Service},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_grpc_web_cors() { return std::make_unique<GrpcWebCors>(); }

}  // namespace grpcmesh::check::analyzers
