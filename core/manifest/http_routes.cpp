#include "core/manifest/http_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace grpcmesh::manifest {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

const nlohmann::json& matches_of(const nlohmann::json& route) {
  static const nlohmann::json empty = nlohmann::json::array();
  return route.contains("match") && route["match"].is_array() ? route["match"] : empty;
}

bool needs_content_type(const nlohmann::json& entry) {
  if (!entry.contains("headers") || !entry["headers"].is_object()) {
    return false;
  }
  for (const auto& [name, value] : entry["headers"].items()) {
    (void)value;
    if (lower(name) == "content-type") {
      return true;
    }
  }
  return false;
}

bool method_excludes_options(const nlohmann::json& entry) {
  if (!entry.contains("method") || !entry["method"].is_object()) {
    return false;
  }
  const auto& m = entry["method"];
  if (m.contains("exact")) {
    return m["exact"] != "OPTIONS";
  }
  if (m.contains("prefix")) {
    return std::string("OPTIONS").rfind(m["prefix"].get<std::string>(), 0) != 0;
  }
  return false;  // a regex may or may not: assume it may
}

}  // namespace

bool route_selected(const nlohmann::json& route, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) {
    return true;
  }
  const auto& matches = matches_of(route);
  if (matches.empty()) {
    return true;
  }
  for (const auto& entry : matches) {
    if (!entry.contains("/uri/prefix"_json_pointer) && !entry.contains("/uri/exact"_json_pointer)) {
      return true;
    }
    const std::string uri = entry.contains("/uri/prefix"_json_pointer) ? entry["uri"]["prefix"].get<std::string>()
                                                                        : entry["uri"]["exact"].get<std::string>();
    for (const auto& p : prefixes) {
      if (uri.rfind(p, 0) == 0 || p.rfind(uri, 0) == 0) {
        return true;
      }
    }
  }
  return false;
}

bool preflight_can_match(const nlohmann::json& route) {
  const auto& matches = matches_of(route);
  if (matches.empty()) {
    return true;
  }
  return std::any_of(matches.begin(), matches.end(), [](const nlohmann::json& entry) {
    return !needs_content_type(entry) && !method_excludes_options(entry);
  });
}

bool content_type_only(const nlohmann::json& route) {
  const auto& matches = matches_of(route);
  return !matches.empty() && std::all_of(matches.begin(), matches.end(), needs_content_type);
}

nlohmann::json with_route_timeout(nlohmann::json route, const std::optional<std::string>& timeout) {
  if (timeout) {
    route["timeout"] = *timeout;
  } else {
    route.erase("timeout");
  }
  return route;
}

nlohmann::json without_per_try_timeout(nlohmann::json route) {
  if (route.contains("retries") && route["retries"].is_object()) {
    route["retries"].erase("perTryTimeout");
  }
  return route;
}

nlohmann::json with_cors(nlohmann::json route, const nlohmann::json& cors) {
  if (cors.is_null()) {
    route.erase("corsPolicy");
  } else {
    route["corsPolicy"] = cors;
  }
  return route;
}

nlohmann::json preflight_route(const nlohmann::json& route, const nlohmann::json& cors, size_t index) {
  nlohmann::json matches = nlohmann::json::array();
  for (nlohmann::json entry : matches_of(route)) {
    if (entry.contains("headers")) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : entry["headers"].items()) {
        if (lower(name) != "content-type") {
          headers[name] = value;
        }
      }
      if (headers.empty()) {
        entry.erase("headers");
      } else {
        entry["headers"] = headers;
      }
    }
    entry["method"] = {{"exact", "OPTIONS"}};
    matches.push_back(entry);
  }
  nlohmann::json out = {{"name", fmt::format("{}-{}", kPreflightRoutePrefix, index)}, {"match", matches}};
  if (route.contains("route")) {
    out["route"] = route["route"];
  }
  out["corsPolicy"] = cors;
  return out;
}

bool is_preflight_route(const nlohmann::json& route) {
  return route.contains("name") && route["name"].is_string() &&
         route["name"].get<std::string>().rfind(kPreflightRoutePrefix, 0) == 0;
}

nlohmann::json keep_route_settings(nlohmann::json generated, const nlohmann::json& live) {
  const nlohmann::json old = live.value("/spec/http"_json_pointer, nlohmann::json::array());
  nlohmann::json shared_cors;
  for (const auto& r : old) {
    const nlohmann::json cors = r.value("corsPolicy", nlohmann::json());
    if (cors.is_null() || (!shared_cors.is_null() && cors != shared_cors)) {
      shared_cors = nullptr;
      break;
    }
    shared_cors = cors;
  }
  if (!generated.contains("/spec/http"_json_pointer)) {
    return generated;
  }
  for (auto& route : generated["spec"]["http"]) {
    const nlohmann::json match = route.value("match", nlohmann::json());
    const auto same = std::find_if(old.begin(), old.end(), [&](const nlohmann::json& r) {
      return r.value("match", nlohmann::json()) == match;
    });
    if (same != old.end()) {
      for (const char* key : {"corsPolicy", "timeout", "retries"}) {
        if (same->contains(key)) {
          route[key] = (*same)[key];
        }
      }
    } else if (!shared_cors.is_null()) {
      route["corsPolicy"] = shared_cors;
    }
  }
  return generated;
}

}  // namespace grpcmesh::manifest
