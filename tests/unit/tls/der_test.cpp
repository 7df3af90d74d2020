#include "core/tls/der.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace grpcmesh::tls;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) {
    out += static_cast<char>(b);
  }
  return out;
}

}  // namespace

TEST_CASE("der: elements in order, short and long lengths, optional and expected tags") {
  std::string long_content(300, 'x');
  std::string input = bytes({0x02, 0x01, 0x05}) + bytes({0x04, 0x82, 0x01, 0x2C}) + long_content + bytes({0x05, 0x00});
  der::Reader r(input);
  CHECK_FALSE(r.next_if(der::kSequence).has_value());  // not there: nothing consumed
  auto i = r.expect(der::kInteger);
  REQUIRE(i.has_value());
  CHECK(i->content == bytes({0x05}));
  auto o = r.next();
  REQUIRE(o.has_value());
  CHECK(o->tag == der::kOctetString);
  CHECK(o->content.size() == 300);
  CHECK(r.next_if(der::kNull).has_value());
  CHECK(r.at_end());
  CHECK_FALSE(r.next().has_value());
  CHECK_FALSE(r.failed());
}

TEST_CASE("der: malformed input fails the reader for good") {
  for (const std::string& input : {bytes({0x30}),                    // no length
                                   bytes({0x30, 0x05, 0x01}),        // content cut short
                                   bytes({0x30, 0x80, 0x00, 0x00}),  // indefinite length
                                   bytes({0x1F, 0x81, 0x01, 0x00}),  // multi-byte tag
                                   bytes({0x04, 0x85, 1, 0, 0, 0, 0}),  // 5 length bytes
                                   bytes({0x04, 0x82, 0x01})}) {        // length bytes cut short
    CAPTURE(input.size());
    der::Reader r(input);
    CHECK_FALSE(r.next().has_value());
    CHECK(r.failed());
  }
  // The reader views its input: the bytes must outlive it (AddressSanitizer
  // found a temporary here, destroyed before the reads).
  const std::string two_integers = bytes({0x02, 0x01, 0x00, 0x02, 0x01, 0x00});
  der::Reader wrong(two_integers);
  CHECK_FALSE(wrong.expect(der::kSequence).has_value());
  CHECK(wrong.failed());
  CHECK_FALSE(wrong.next().has_value());  // stays failed
}

TEST_CASE("der: integers without sign padding, bit strings without unused bits") {
  CHECK(der::unsigned_integer(bytes({0x00, 0x80, 0x01})) == bytes({0x80, 0x01}));
  CHECK(der::unsigned_integer(bytes({0x00})) == bytes({0x00}));
  CHECK_FALSE(der::unsigned_integer(bytes({0x80})).has_value());  // negative
  CHECK_FALSE(der::unsigned_integer("").has_value());
  CHECK(der::whole_bytes(bytes({0x00, 0x04, 0x01})) == bytes({0x04, 0x01}));
  CHECK_FALSE(der::whole_bytes(bytes({0x03, 0xF8})).has_value());
  CHECK_FALSE(der::whole_bytes("").has_value());
}

TEST_CASE("pem: blocks with their labels, text around them skipped, CRLF, headers and damage marked") {
  auto blocks = pem::blocks(
      "subject=CN=x\n-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\r\n"
      "-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\n\r\nAQID\r\n-----END RSA PRIVATE KEY-----\r\n"
      "-----BEGIN X-----\n!!!!\n-----END X-----\n");
  REQUIRE(blocks.has_value());
  REQUIRE(blocks->size() == 3);
  CHECK((*blocks)[0].label == "CERTIFICATE");
  CHECK((*blocks)[0].der == bytes({1, 2, 3, 4}));
  CHECK((*blocks)[0].plain);
  CHECK((*blocks)[1].label == "RSA PRIVATE KEY");
  CHECK_FALSE((*blocks)[1].plain);  // RFC 1421 headers
  CHECK_FALSE((*blocks)[2].plain);  // not base64
  CHECK(pem::blocks("no PEM here")->empty());
  CHECK_FALSE(pem::blocks("-----BEGIN CERTIFICATE-----\nAQID\n").has_value());
  CHECK_FALSE(pem::blocks("-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n").has_value());
}
