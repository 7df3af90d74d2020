#include "core/stream/virtual_service_edit.hpp"

#include <fmt/format.h>

#include "core/manifest/names.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::stream {

bool is_ours(const nlohmann::json& object) { return manifest::managed_by_us(object); }

std::string ref_of(const nlohmann::json& o) {
  return o.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         o.value("/metadata/name"_json_pointer, std::string());
}

std::vector<std::string> http_owners(const nlohmann::json& vs, const std::string& manager) {
  std::vector<std::string> out;
  for (const auto& entry : vs.value("/metadata/managedFields"_json_pointer, nlohmann::json::array())) {
    const std::string m = entry.value("manager", "");
    if (m == manager || !entry.contains("/fieldsV1/f:spec/f:http"_json_pointer)) {
      continue;
    }
    if (std::find(out.begin(), out.end(), m) == out.end()) {
      out.push_back(m);
    }
  }
  return out;
}

mesh::Change replace_http(const nlohmann::json& vs, const nlohmann::json& http, const std::string& manager,
                          bool force, const std::string& problem, const std::string& fix) {
  nlohmann::json metadata = {{"name", vs.value("/metadata/name"_json_pointer, std::string())},
                             {"namespace", vs.value("/metadata/namespace"_json_pointer, std::string())}};
  if (is_ours(vs)) {
    metadata["labels"] = {{std::string(manifest::kManagedByLabel), std::string(manifest::kManagedByValue)}};
    nlohmann::json spec = {{"hosts", vs.value("/spec/hosts"_json_pointer, nlohmann::json::array())}};
    if (vs.contains("/spec/gateways"_json_pointer)) {
      spec["gateways"] = vs["spec"]["gateways"];
    }
    spec["http"] = http;
    return {mesh::Change::Kind::Apply,
            {{"apiVersion", vs.value("apiVersion", "")}, {"kind", "VirtualService"}, {"metadata", metadata},
             {"spec", spec}}};
  }
  const auto owners = http_owners(vs, manager);
  if (!owners.empty() && !force) {
    throw Error(fmt::format("{}; the http list of VirtualService {} is owned by field manager \"{}\": {}, or re-run "
                            "with --force-conflicts to take the list over (only this change is made)",
                            problem, ref_of(vs), fmt::join(owners, "\", \""), fix));
  }
  return {mesh::Change::Kind::Apply,
          {{"apiVersion", vs.value("apiVersion", "")}, {"kind", "VirtualService"}, {"metadata", metadata},
           {"spec", {{"http", http}}}}};
}

}  // namespace grpcmesh::stream
