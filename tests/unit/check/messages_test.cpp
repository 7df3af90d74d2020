#include "core/check/messages.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace grpcmesh::check;

TEST_CASE("catalogue: codes are GMxxxx, unique and ordered, istio codes are ISTxxxx") {
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

TEST_CASE("catalogue: docs/check.md gives each code its level and why it has that level") {
  std::ifstream f(std::string(GRPCMESH_SOURCE_DIR) + "/docs/check.md");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  for (const CatalogueEntry& e : catalogue()) {
    INFO("code: ", e.code);
    auto at = doc.find("### " + std::string(e.code) + " " + std::string(e.name) + "\n");
    CHECK(at != std::string::npos);
    if (at == std::string::npos) {
      continue;
    }
    std::string section = doc.substr(at, doc.find("\n### ", at + 1) - at);
    std::string level(level_name(e.level));
    CHECK(section.find("\n- level: " + level + ";") != std::string::npos);
    auto why = section.find("\n- why " + level + ": ");
    CHECK(why != std::string::npos);
    if (why == std::string::npos) {
      continue;
    }
    // a reason, not an empty line
    CHECK(section.find('\n', why + 1) - why > 20);
  }
}

TEST_CASE("catalogue: docs/check.md gives each code the istioctl analyze code its findings carry") {
  std::ifstream f(std::string(GRPCMESH_SOURCE_DIR) + "/docs/check.md");
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  for (const CatalogueEntry& e : catalogue()) {
    INFO("code: ", e.code);
    auto at = doc.find("### " + std::string(e.code) + " " + std::string(e.name) + "\n");
    REQUIRE(at != std::string::npos);
    std::string section = doc.substr(at, doc.find("\n### ", at + 1) - at);
    std::string istio = e.istio_code.empty() ? "none" : std::string(e.istio_code);
    CHECK(section.find("; istioctl analyze: " + istio + "\n") != std::string::npos);
  }
}

// Every message, rendered with empty and with unusual arguments, stays one
// readable line: no control character (a name holding a newline or an escape
// sequence is quoted), no empty "()" and no doubled or dangling space where a
// value is missing. One test case per message, generated from the catalogue.
namespace {

struct Inputs {
  std::string_view text;
  int number;
  std::vector<std::string> list;
};

// The arguments of the message being rendered; every constructor parameter
// converts from Arg, whatever its type.
thread_local const Inputs* g_inputs = nullptr;

struct Arg {
  operator std::string_view() const { return g_inputs->text; }  // NOLINT: converts to each parameter type
  operator int() const { return g_inputs->number; }            // NOLINT
  operator NameList() const { return NameList{g_inputs->list}; }  // NOLINT
};

void check_rendering(const Message& m, const Inputs& in) {
  INFO("input: ", std::string(in.text), " / ", in.number);
  for (const std::string& line : {m.text, m.fix}) {
    INFO("rendered: ", line);
    CHECK_FALSE(line.empty());
    CHECK(std::none_of(line.begin(), line.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }));
    CHECK(line.find("()") == std::string::npos);
    CHECK(line.find("( ") == std::string::npos);
    CHECK(line.find(" )") == std::string::npos);
    CHECK(line.find("  ") == std::string::npos);
    CHECK(line.find(" ,") == std::string::npos);
    CHECK(line.front() != ' ');
    CHECK(line.back() != ' ');
  }
}

template <typename Render>
void check_message(Render render) {
  const std::string long_name(300, 'x');
  const std::vector<Inputs> cases = {
      {"", 0, {}},
      {"line\nbreak\t\x1b[31mred\x1b[0m \"quoted\" {}", -1, {"a\nb", ""}},
      {long_name, 65536, {long_name, long_name}},
      {"grüße.example.com", 443, {"*.example.com"}},
  };
  for (const Inputs& in : cases) {
    g_inputs = &in;
    check_rendering(render(), in);
  }
  g_inputs = nullptr;
}

}  // namespace

#define GM_UNPAREN(...) __VA_ARGS__
#define GM_ARGS(...) __VA_OPT__(, ) __VA_ARGS__
#define GM_MESSAGE(code, Name, level, hop, istio, text, fix, params, args)                     \
  TEST_CASE("message " #code " " #Name ": empty and unusual arguments render on one readable line") { \
    check_message([] {                                                                        \
      [[maybe_unused]] Arg unused_ GM_ARGS args;                                              \
      return msg::Name args;                                                                  \
    });                                                                                       \
  }
#include "core/check/messages.def"
#undef GM_MESSAGE
#undef GM_UNPAREN
#undef GM_ARGS

TEST_CASE("message GM0028: an empty list of names reads none, a list is joined") {
  std::vector<std::string> names = {"a.example.com", "*.b.example.com"};
  CHECK(msg::CertificateHostMismatch("istio-system/c", "x.example.com", NameList{names}).text ==
        "the certificate in istio-system/c does not cover host x.example.com (its DNS names: a.example.com, "
        "*.b.example.com)");
  CHECK(msg::CertificateHostMismatch("istio-system/c", "x.example.com", NameList{}).text ==
        "the certificate in istio-system/c does not cover host x.example.com (its DNS names: none)");
}

TEST_CASE("message GM0024: the fix names the Secret's namespace as a flag kubectl accepts") {
  Message m = msg::CredentialUnusable("istio-system", "grpc-cert", "cert is not a PEM certificate");
  CHECK(m.text == "The credential istio-system/grpc-cert referenced by the Gateway is invalid: cert is not a PEM "
                  "certificate");
  CHECK(m.fix ==
        "Recreate it with kubectl create secret tls grpc-cert -n istio-system --cert=<crt> --key=<key> (entries "
        "tls.crt and tls.key, PEM)");
}

TEST_CASE("message arguments: an empty text is shown as \"\", a control character is escaped") {
  Message m = msg::GatewayNotFound("");
  CHECK(m.text == "Referenced gateway not found: \"\"");
  // {} and {:?} alike: a value holding a control character is quoted and escaped
  Message n = msg::NoReadyEndpoints("a\nb", "\x1b[31m");
  CHECK(n.text == "Service \"a\\nb\" has no ready endpoint for port \"\\x1b[31m\"");
  Message q = msg::GatewayNotFound("a\tb");
  CHECK(q.text == "Referenced gateway not found: \"a\\tb\"");
}
