#include "core/mesh/ownership.hpp"

#include <doctest/doctest.h>

#include "core/util/yaml.hpp"

using namespace grpcmesh::mesh;

TEST_CASE("ownership: managers, and whether others own fields outside status") {
  auto obj = grpcmesh::yaml::parse(R"(
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: g
  namespace: istio-system
  managedFields:
  - {manager: kubectl-grpcmesh, operation: Apply, fieldsV1: {f:spec: {}}}
  - {manager: istiod, operation: Update, subresource: status, fieldsV1: {f:status: {}}}
  - {manager: old-controller, operation: Update, fieldsV1: {f:status: {}}}
)");
  CHECK(field_managers(obj) == std::vector<std::string>{"kubectl-grpcmesh", "istiod", "old-controller"});
  CHECK_FALSE(others_own_fields(obj, "kubectl-grpcmesh"));
  CHECK(others_own_fields(obj, "someone-else"));
  obj["metadata"]["managedFields"].push_back({{"manager", "kubectl"}, {"fieldsV1", {{"f:metadata", {}}}}});
  CHECK(others_own_fields(obj, "kubectl-grpcmesh"));
  CHECK(release_configuration(obj) == nlohmann::json{{"apiVersion", "networking.istio.io/v1"},
                                                     {"kind", "Gateway"},
                                                     {"metadata", {{"name", "g"}, {"namespace", "istio-system"}}}});
}
