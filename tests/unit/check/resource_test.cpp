#include "core/check/resource.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace grpcmesh::check;

TEST_CASE("resource: apiVersion texts are kept once and stay valid") {
  std::string a = "networking.istio.io/v1";
  std::string b = "networking.istio.io/v1";
  std::string_view first = intern_api_version(a);
  a.assign(40, 'x');  // the caller's buffer can change or go
  CHECK(first == "networking.istio.io/v1");
  CHECK(intern_api_version(b).data() == first.data());
  CHECK(intern_api_version("v1") != first);
  for (int i = 0; i < 1000; ++i) {
    intern_api_version("example.com/v" + std::to_string(i));
  }
  CHECK(first == "networking.istio.io/v1");
  CHECK(intern_api_version("example.com/v7") == "example.com/v7");
}
