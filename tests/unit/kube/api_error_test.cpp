#include "core/kube/api_error.hpp"

#include <doctest/doctest.h>

#include "core/kube/encoding.hpp"
#include "core/util/files.hpp"

using grpcmesh::util::read_file;
using grpcmesh::kube::render_api_error;
using grpcmesh::kube::Request;
using grpcmesh::kube::Response;

namespace {

Response fixture(long status, const std::string& name) {
  auto body = read_file(std::string(GRPCMESH_TESTDATA_DIR) + "/kube/" + name);
  REQUIRE(body);
  return Response{status, *body, "application/json"};
}

Request request(std::string verb, std::string resource, std::string name, std::string ns) {
  Request r;
  r.verb = std::move(verb);
  r.resource = std::move(resource);
  r.name = std::move(name);
  r.namespace_name = std::move(ns);
  return r;
}

}  // namespace

TEST_CASE("api errors: rendered like kubectl, from real API server responses") {
  struct Case {
    std::string name;
    Response response;
    Request request;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"404 NotFound", fixture(404, "status-404-service.json"), request("get", "services", "nope", "default"),
       "Error from server (NotFound): services \"nope\" not found"},
      {"422 with its one cause", fixture(422, "status-422-virtualservice-timeout.json"),
       request("patch", "virtualservices.networking.istio.io", "vs2", "default"),
       "The VirtualService \"vs2\" is invalid: spec.http[0].timeout: Invalid value: \"0s\": must be a valid duration "
       "greater than 1ms"},
      {"409 apply conflicts field by field with the managers and the three ways out",
       fixture(409, "status-409-apply-conflict.json"), request("patch", "configmaps", "cm1", "default"),
       "Apply failed with 2 conflicts on configmaps \"cm1\" in namespace \"default\":\n"
       "configmaps \"cm1\" in namespace \"default\": field .data.a is managed by \"other\"\n"
       "configmaps \"cm1\" in namespace \"default\": field .data.a is managed by \"kubectl-grpcmesh\"\n"
       "* If you intend to manage all of these fields, re-run the command with --force-conflicts.\n"
       "* If you do not intend to manage all of the fields, remove the fields that should keep their current "
       "managers from your manifest.\n"
       "* You may co-own fields by setting them to the existing values; you become their only manager when the "
       "other managers stop managing them."},
      {"401 names the user", Response{401, R"({"kind":"Status","reason":"Unauthorized","code":401})", ""},
       request("list", "services", "", "default"),
       "You must be logged in to the server (Unauthorized): the server rejected the credentials of user \"alice\"; "
       "check the token or client certificate in the kubeconfig, or log in again"},
      {"403 keeps the server's message (user and verb) and says what to do",
       Response{403,
                R"({"kind":"Status","reason":"Forbidden","code":403,"message":"secrets is forbidden: User \"v\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""})",
                ""},
       request("list", "secrets", "", "default"),
       "Error from server (Forbidden): secrets is forbidden: User \"v\" cannot list resource \"secrets\" in API group "
       "\"\" in the namespace \"default\"; ask a cluster administrator for this permission or use another --context"},
      {"a 409 that is not an apply conflict",
       Response{409, R"({"kind":"Status","reason":"AlreadyExists","code":409,"message":"namespaces \"a\" already exists"})",
                ""},
       request("create", "namespaces", "a", ""), "Error from server (AlreadyExists): namespaces \"a\" already exists"},
      {"a body that is not a Status", Response{502, "<html>Bad Gateway</html>", "text/html"},
       request("get", "services", "", ""),
       "the server responded with the status code 502 but did not return more information (<html>Bad Gateway</html>)"},
      {"several 422 causes, one line each",
       Response{422,
                R"({"kind":"Status","reason":"Invalid","code":422,"details":{"name":"gw","kind":"Gateway","causes":[{"field":"spec.servers[0].port","message":"Required value"},{"field":"spec.selector","message":"Invalid value: 1"}]}})",
                ""},
       request("patch", "gateways.networking.istio.io", "gw", "ns"),
       "The Gateway \"gw\" is invalid:\n* spec.servers[0].port: Required value\n* spec.selector: Invalid value: 1"},
  };
  for (auto& c : cases) {
    CAPTURE(c.name);
    CHECK(render_api_error(c.response, c.request, "alice") == c.expected);
  }
}
