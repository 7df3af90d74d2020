#include "core/mesh/routes.hpp"

#include <doctest/doctest.h>

#include "core/manifest/virtual_service.hpp"
#include "core/util/error.hpp"

using namespace grpcmesh::mesh;
using grpcmesh::manifest::VirtualServiceOptions;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const grpcmesh::Error& e) {
    return e.what();
  }
  return "";
}

const std::vector<GrpcRoute> kExisting = {
    {"/helloworld.Greeter/", "greeter", "apps", 50051},
    {"", "fallback", "apps", 8080},
};

}  // namespace

TEST_CASE("routes: generated VirtualService routes read back exactly") {
  VirtualServiceOptions o;
  o.name = "grpc-example-com";
  o.namespace_name = "istio-system";
  o.host = "grpc.example.com";
  o.routes = kExisting;
  CHECK(routes_of(grpcmesh::manifest::virtual_service(o)) == kExisting);
}

TEST_CASE("routes: a hand-edited entry is reported, not silently dropped") {
  nlohmann::json vs = {{"metadata", {{"name", "v"}, {"namespace", "ns"}}},
                       {"spec", {{"http", {{{"match", {{{"headers", {{"x", {{"exact", "1"}}}}}}}}}}}}}};
  CHECK(error_of([&] { routes_of(vs); }).rfind("VirtualService ns/v http[0] was changed outside kubectl-grpcmesh", 0) == 0);
}

TEST_CASE("routes: a second Service is added before the catch-all and earlier routes are kept") {
  auto out = merge_routes(kExisting, "echo", "other", 9000, {"/test.v1.Echo/"}, false, "grpc.example.com");
  CHECK(out == std::vector<GrpcRoute>{{"/helloworld.Greeter/", "greeter", "apps", 50051},
                                      {"/test.v1.Echo/", "echo", "other", 9000},
                                      {"", "fallback", "apps", 8080}});
}

TEST_CASE("routes: re-exposing a Service replaces its own routes (new port, fewer prefixes)") {
  auto out = merge_routes(kExisting, "greeter", "apps", 9090, {"/a.B/"}, false, "grpc.example.com");
  CHECK(out == std::vector<GrpcRoute>{{"/a.B/", "greeter", "apps", 9090}, {"", "fallback", "apps", 8080}});
  // same Service name in another namespace is another Service
  out = merge_routes(kExisting, "greeter", "staging", 50051, {"/x.Y/"}, false, "grpc.example.com");
  CHECK(out.size() == 3);
}

TEST_CASE("routes: a prefix routed elsewhere is a conflict unless forced") {
  CHECK(error_of([] { merge_routes(kExisting, "v2", "apps", 1, {"/helloworld.Greeter/"}, false, "grpc.example.com"); }) ==
        "prefix /helloworld.Greeter/ on grpc.example.com already routes to greeter.apps:50051; pass "
        "--force-conflicts to route it to v2.apps instead, or first run: kubectl grpcmesh expose greeter -n apps "
        "--host grpc.example.com --remove");
  CHECK(error_of([] { merge_routes(kExisting, "v2", "apps", 1, {}, false, "h.example.com"); })
            .rfind("the catch-all route on h.example.com already routes to fallback.apps:8080", 0) == 0);
  auto out = merge_routes(kExisting, "v2", "apps", 1, {"/helloworld.Greeter/"}, true, "grpc.example.com");
  CHECK(out == std::vector<GrpcRoute>{{"/helloworld.Greeter/", "v2", "apps", 1}, {"", "fallback", "apps", 8080}});
}

TEST_CASE("routes: prefixes are sorted, duplicates collapse, remove drops only that Service") {
  auto out = merge_routes({}, "s", "n", 1, {"/z.Z/", "/a.A/", "/z.Z/"}, false, "h");
  CHECK(out == std::vector<GrpcRoute>{{"/a.A/", "s", "n", 1}, {"/z.Z/", "s", "n", 1}});
  CHECK(remove_routes(kExisting, "greeter", "apps") == std::vector<GrpcRoute>{{"", "fallback", "apps", 8080}});
  CHECK(remove_routes(kExisting, "greeter", "other") == kExisting);
}
