#include "core/grpc/cors.hpp"

#include <doctest/doctest.h>

namespace grpcmesh::grpc {
namespace {

HttpHead head(long status, std::multimap<std::string, std::string> headers) { return HttpHead{status, std::move(headers)}; }

const HttpHead kGoodPreflight = head(200, {{"access-control-allow-origin", "https://app.example"},
                                           {"access-control-allow-methods", "POST, OPTIONS"},
                                           {"access-control-allow-headers", "Content-Type,X-Grpc-Web,x-user-agent"}});

}  // namespace

TEST_CASE("browser_preflight asks for the gRPC-Web headers, grpc-timeout and metadata, sorted") {
  Preflight p = browser_preflight("https://app.example", true, {"Authorization"});
  CHECK(p.method == "POST");
  CHECK(p.request_headers ==
        std::vector<std::string>{"authorization", "content-type", "grpc-timeout", "x-grpc-web", "x-user-agent"});
  CHECK(browser_preflight("o", false, {}).request_headers.size() == 3);
}

TEST_CASE("an allowing preflight passes every check") {
  CorsReport r = check_preflight(browser_preflight("https://app.example", false, {}), kGoodPreflight);
  CHECK(r.allowed);
  CHECK(r.blocked_because.empty());
}

TEST_CASE("a preflight without Access-Control-Allow-Origin for the origin is blocked, and says so") {
  HttpHead h = kGoodPreflight;
  h.headers.erase("access-control-allow-origin");
  CorsReport r = check_preflight(browser_preflight("https://evil.example", false, {}), h);
  CHECK_FALSE(r.allowed);
  CHECK(r.blocked_because ==
        "origin https://evil.example is not allowed: the response has no Access-Control-Allow-Origin header");
  h.headers.emplace("access-control-allow-origin", "https://app.example");
  CHECK(check_preflight(browser_preflight("https://evil.example", false, {}), h).blocked_because ==
        "origin https://evil.example is not allowed: Access-Control-Allow-Origin is \"https://app.example\"");
}

TEST_CASE("each requested header must be allowed, '*' covers all but authorization") {
  CorsReport r = check_preflight(browser_preflight("https://app.example", true, {}), kGoodPreflight);
  CHECK_FALSE(r.allowed);
  CHECK(r.blocked_because.find("request header grpc-timeout is not in Access-Control-Allow-Headers") == 0);
  HttpHead star = head(204, {{"access-control-allow-origin", "*"}, {"access-control-allow-headers", "*"}});
  CHECK(check_preflight(browser_preflight("https://a", true, {}), star).allowed);
  CorsReport auth = check_preflight(browser_preflight("https://a", false, {"authorization"}), star);
  CHECK_FALSE(auth.allowed);
  CHECK(auth.blocked_because.find("request header authorization") == 0);
}

TEST_CASE("POST needs no Access-Control-Allow-Methods (CORS-safelisted), a non-2xx preflight fails") {
  HttpHead h = kGoodPreflight;
  h.headers.erase("access-control-allow-methods");
  CHECK(check_preflight(browser_preflight("https://app.example", false, {}), h).allowed);
  h.status = 403;
  CorsReport r = check_preflight(browser_preflight("https://app.example", false, {}), h);
  CHECK_FALSE(r.allowed);
  CHECK(r.blocked_because == "the preflight answer is HTTP 403, and a browser needs 2xx");
}

TEST_CASE("check_response reports whether grpc-status and grpc-message are exposed") {
  HttpHead exposed = head(200, {{"access-control-allow-origin", "https://app.example"},
                                {"access-control-expose-headers", "grpc-status,grpc-message"}});
  CorsReport ok = check_response("https://app.example", exposed);
  CHECK(ok.allowed);
  CHECK(ok.lines.at(1) == "grpc-status exposed: yes");
  CorsReport hidden = check_response("https://app.example", head(200, {{"access-control-allow-origin", "*"}}));
  CHECK(hidden.allowed);
  CHECK(hidden.lines.at(1).find("grpc-status exposed: NO") == 0);
  CHECK_FALSE(check_response("https://app.example", head(200, {})).allowed);
}

}  // namespace grpcmesh::grpc
