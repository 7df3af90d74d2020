#include "core/mesh/routes.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/util/error.hpp"

namespace grpcmesh::mesh {
namespace {

std::string describe(const GrpcRoute& r) { return fmt::format("{}.{}:{}", r.service, r.namespace_name, r.port); }

std::string shown(const std::string& prefix) { return prefix.empty() ? "the catch-all route" : "prefix " + prefix; }

}  // namespace

std::vector<GrpcRoute> routes_of(const nlohmann::json& vs) {
  const std::string ref = vs.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
                          vs.value("/metadata/name"_json_pointer, std::string());
  std::vector<GrpcRoute> out;
  const auto http = vs.value("/spec/http"_json_pointer, nlohmann::json::array());
  for (size_t i = 0; i < http.size(); ++i) {
    const auto& entry = http[i];
    const auto fail = [&] {
      throw Error(fmt::format("VirtualService {} http[{}] was changed outside kubectl-grpcmesh ({}); restore it or "
                              "delete the VirtualService and re-run expose for each Service", ref, i, entry.dump()));
    };
    GrpcRoute r;
    if (entry.contains("match")) {
      const auto& m = entry["match"];
      if (!m.is_array() || m.size() != 1 || m[0].size() != 1 || !m[0].contains("/uri/prefix"_json_pointer) ||
          m[0]["uri"].size() != 1) {
        fail();
      }
      r.prefix = m[0]["uri"]["prefix"].get<std::string>();
    }
    const auto& dests = entry.value("route", nlohmann::json::array());
    if (dests.size() != 1 || !dests[0].contains("/destination/host"_json_pointer) ||
        !dests[0].contains("/destination/port/number"_json_pointer)) {
      fail();
    }
    const std::string host = dests[0]["destination"]["host"].get<std::string>();
    const size_t dot1 = host.find('.');
    const size_t dot2 = dot1 == std::string::npos ? std::string::npos : host.find('.', dot1 + 1);
    if (dot2 == std::string::npos || host.compare(dot2, 5, ".svc.") != 0) {
      fail();
    }
    r.service = host.substr(0, dot1);
    r.namespace_name = host.substr(dot1 + 1, dot2 - dot1 - 1);
    r.port = dests[0]["destination"]["port"]["number"].get<int>();
    out.push_back(r);
  }
  return out;
}

void order_routes(std::vector<GrpcRoute>& routes) {
  std::stable_sort(routes.begin(), routes.end(), [](const GrpcRoute& a, const GrpcRoute& b) {
    if (a.prefix.empty() != b.prefix.empty()) {
      return b.prefix.empty();  // catch-all last
    }
    return a.prefix < b.prefix;
  });
}

std::vector<GrpcRoute> merge_routes(const std::vector<GrpcRoute>& existing, const std::string& service,
                                    const std::string& namespace_name, int port,
                                    const std::vector<std::string>& prefixes, bool force, const std::string& host) {
  std::vector<std::string> wanted = prefixes.empty() ? std::vector<std::string>{""} : prefixes;
  std::vector<GrpcRoute> out;
  for (const auto& r : existing) {
    if (r.service == service && r.namespace_name == namespace_name) {
      continue;  // rebuilt below
    }
    if (std::find(wanted.begin(), wanted.end(), r.prefix) != wanted.end()) {
      if (!force) {
        throw Error(fmt::format("{} on {} already routes to {}; pass --force-conflicts to route it to {}.{} "
                                "instead, or first run: kubectl grpcmesh expose {} -n {} --host {} --remove",
                                shown(r.prefix), host, describe(r), service, namespace_name, r.service,
                                r.namespace_name, host));
      }
      continue;  // taken over
    }
    out.push_back(r);
  }
  for (const auto& p : wanted) {
    GrpcRoute r{p, service, namespace_name, port};
    if (std::find(out.begin(), out.end(), r) == out.end()) {
      out.push_back(r);
    }
  }
  order_routes(out);
  return out;
}

std::vector<GrpcRoute> remove_routes(const std::vector<GrpcRoute>& existing, const std::string& service,
                                     const std::string& namespace_name) {
  std::vector<GrpcRoute> out;
  for (const auto& r : existing) {
    if (!(r.service == service && r.namespace_name == namespace_name)) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace grpcmesh::mesh
