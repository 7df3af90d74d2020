#include "core/manifest/http_routes.hpp"

#include <doctest/doctest.h>

using namespace grpcmesh::manifest;
using nlohmann::json;

namespace {

json route(const std::string& match_yaml_json) { return json::parse(match_yaml_json); }

}  // namespace

TEST_CASE("http routes: selection by gRPC service prefix") {
  const json chat = route(R"({"match":[{"uri":{"prefix":"/chat.Room/"}}],"route":[]})");
  const json catch_all = route(R"({"route":[]})");
  const json headers_only = route(R"({"match":[{"headers":{"x":{"exact":"y"}}}]})");
  CHECK(route_selected(chat, {}));
  CHECK(route_selected(chat, {"/chat.Room/"}));
  CHECK_FALSE(route_selected(chat, {"/helloworld.Greeter/"}));
  CHECK(route_selected(route(R"({"match":[{"uri":{"prefix":"/"}}]})"), {"/chat.Room/"}));
  CHECK(route_selected(route(R"({"match":[{"uri":{"exact":"/chat.Room/Join"}}]})"), {"/chat.Room/"}));
  CHECK(route_selected(catch_all, {"/chat.Room/"}));
  CHECK(route_selected(headers_only, {"/chat.Room/"}));
}

TEST_CASE("http routes: which routes the CORS preflight can match") {
  const json prefix = route(R"({"match":[{"uri":{"prefix":"/"}}]})");
  const json content_type = route(
      R"({"match":[{"uri":{"prefix":"/"},"headers":{"Content-Type":{"prefix":"application/grpc-web"}}}]})");
  const json post_only = route(R"({"match":[{"uri":{"prefix":"/"},"method":{"exact":"POST"}}]})");
  const json either = route(
      R"({"match":[{"headers":{"content-type":{"exact":"application/grpc-web"}}},{"uri":{"prefix":"/x/"}}]})");
  CHECK(preflight_can_match(prefix));
  CHECK(preflight_can_match(route(R"({"route":[]})")));
  CHECK_FALSE(preflight_can_match(content_type));
  CHECK(content_type_only(content_type));
  CHECK_FALSE(preflight_can_match(post_only));
  CHECK_FALSE(content_type_only(post_only));
  CHECK(preflight_can_match(either));
  CHECK_FALSE(content_type_only(either));
  CHECK_FALSE(content_type_only(prefix));
}

TEST_CASE("http routes: timeouts are omitted, never 0s, or set explicitly") {
  const json r = route(R"({"route":[],"timeout":"30s","retries":{"attempts":2}})");
  CHECK(with_route_timeout(r, std::nullopt) == route(R"({"route":[],"retries":{"attempts":2}})"));
  CHECK(with_route_timeout(r, std::string("1h"))["timeout"] == "1h");
}

TEST_CASE("http routes: a preflight route keeps the uri and destination, drops content-type, adds OPTIONS") {
  const json r = route(R"({"match":[{"uri":{"prefix":"/"},"port":443,
      "headers":{"content-type":{"prefix":"application/grpc-web"},"x-tenant":{"exact":"a"}}}],
      "route":[{"destination":{"host":"greeter"}}],"corsPolicy":{"allowOrigins":[]}})");
  const json cors = {{"allowMethods", {"POST", "OPTIONS"}}};
  const json p = preflight_route(r, cors, 2);
  CHECK(p == route(R"({"name":"grpcmesh-preflight-2","match":[{"uri":{"prefix":"/"},"port":443,
      "headers":{"x-tenant":{"exact":"a"}},"method":{"exact":"OPTIONS"}}],
      "route":[{"destination":{"host":"greeter"}}],"corsPolicy":{"allowMethods":["POST","OPTIONS"]}})"));
  CHECK(is_preflight_route(p));
  CHECK_FALSE(is_preflight_route(r));
  CHECK(preflight_can_match(p));
  CHECK(with_cors(r, nullptr).contains("corsPolicy") == false);
  CHECK(with_cors(r, cors)["corsPolicy"] == cors);
}

TEST_CASE("http routes: a rebuilt list keeps the CORS policy and timeouts set on the live routes") {
  const json live = route(R"({"spec":{"http":[
      {"match":[{"uri":{"prefix":"/a.A/"}}],"route":[],"corsPolicy":{"maxAge":"24h"},"timeout":"1h"},
      {"route":[],"corsPolicy":{"maxAge":"24h"}}]}})");
  const json generated = route(R"({"spec":{"http":[
      {"match":[{"uri":{"prefix":"/a.A/"}}],"route":[1]},
      {"match":[{"uri":{"prefix":"/b.B/"}}],"route":[2]},
      {"route":[3]}]}})");
  const json kept = keep_route_settings(generated, live);
  CHECK(kept == route(R"({"spec":{"http":[
      {"match":[{"uri":{"prefix":"/a.A/"}}],"route":[1],"corsPolicy":{"maxAge":"24h"},"timeout":"1h"},
      {"match":[{"uri":{"prefix":"/b.B/"}}],"route":[2],"corsPolicy":{"maxAge":"24h"}},
      {"route":[3],"corsPolicy":{"maxAge":"24h"}}]}})"));
  // without a policy shared by every live route, a new route gets none
  json partial = live;
  partial["spec"]["http"][1].erase("corsPolicy");
  CHECK_FALSE(keep_route_settings(generated, partial)["spec"]["http"][1].contains("corsPolicy"));
  CHECK(keep_route_settings(generated, json::object()) == generated);
}

TEST_CASE("http routes: a rebuilt list keeps the live routes' retries, stream's edit drops only perTryTimeout") {
  const json live = route(R"({"spec":{"http":[
      {"match":[{"uri":{"prefix":"/a.A/"}}],"route":[],"retries":{"attempts":3,"retryOn":"unavailable"}}]}})");
  const json generated = route(R"({"spec":{"http":[{"match":[{"uri":{"prefix":"/a.A/"}}],"route":[1]},
      {"route":[2]}]}})");
  const json kept = keep_route_settings(generated, live);
  CHECK(kept["spec"]["http"][0]["retries"] == json::parse(R"({"attempts":3,"retryOn":"unavailable"})"));
  CHECK_FALSE(kept["spec"]["http"][1].contains("retries"));

  const json r = route(R"({"route":[],"retries":{"attempts":2,"perTryTimeout":"5s"}})");
  CHECK(without_per_try_timeout(r) == route(R"({"route":[],"retries":{"attempts":2}})"));
  CHECK(without_per_try_timeout(route(R"({"route":[]})")) == route(R"({"route":[]})"));
}
