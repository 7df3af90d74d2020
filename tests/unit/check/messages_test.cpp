#include "core/check/messages.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace grpcmesh::check;

TEST_CASE("catalogue: codes are GMxxxx, unique and ordered; istio codes are ISTxxxx") {
  std::string previous;
  std::set<std::string_view> names;
  for (const CatalogueEntry& e : catalogue()) {
    INFO("code: ", e.code);
    CHECK(std::regex_match(std::string(e.code), std::regex("GM[0-9]{4}")));
    CHECK(std::string(e.code) > previous);
    previous = e.code;
    CHECK(names.insert(e.name).second);
    CHECK(!e.text_template.empty());
    CHECK(!e.fix_template.empty());
    if (!e.istio_code.empty()) {
      CHECK(std::regex_match(std::string(e.istio_code), std::regex("IST[0-9]{4}")));
    }
  }
}

TEST_CASE("catalogue: typed constructors fill code, level, hop and both texts") {
  Message m = msg::BackendNotHttp2("greeter", 50051, "TCP");
  CHECK(m.code == "GM0006");
  CHECK(m.level == Level::Error);
  CHECK(m.hop == Hop::Backend);
  CHECK(m.text ==
        "the gateway reaches greeter:50051 as TCP, so it speaks HTTP/1.1 upstream and gRPC calls fail "
        "(RST_STREAM, protocol error)");
  CHECK(m.fix.find("DestinationRule for greeter") != std::string::npos);
  Message g = msg::GatewayNotFound("default/missing");
  CHECK(g.istio_code == "IST0101");
  CHECK(g.text == "Referenced gateway not found: \"default/missing\"");
}

TEST_CASE("catalogue: docs/check.md documents every code") {
  std::ifstream f(std::string(GRPCMESH_SOURCE_DIR) + "/docs/check.md");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  for (const CatalogueEntry& e : catalogue()) {
    CHECK_MESSAGE(doc.find("### " + std::string(e.code)) != std::string::npos, e.code, " is not documented");
  }
}
