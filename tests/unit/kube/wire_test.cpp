#include "core/kube/wire.hpp"

#include <curl/curl.h>
#include <doctest/doctest.h>

#include <string>

using grpcmesh::kube::escape_query;
using grpcmesh::kube::Exchange;
using grpcmesh::kube::note_response_header;
using grpcmesh::kube::parse_warnings;

TEST_CASE("wire: query escaping matches libcurl's curl_easy_escape for every byte") {
  // libcurl escaped queries before the native transport; label selectors,
  // field selectors and continue tokens must reach the server unchanged.
  std::string every;
  for (int c = 0; c < 256; ++c) {
    every += static_cast<char>(c);
  }
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  for (const std::string& text : {every, std::string("app in (a,b),tier!=web"), std::string("metadata.name=x y"),
                                  std::string("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ=="), std::string()}) {
    char* expected = curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
    REQUIRE(expected != nullptr);
    CHECK(escape_query(text) == std::string(expected));
    curl_free(expected);
  }
  curl_easy_cleanup(curl);
  CHECK(escape_query("a-b.c_d~e") == "a-b.c_d~e");
  CHECK(escape_query("a=b&c") == "a%3Db%26c");
}

TEST_CASE("wire: response headers that matter are read without regard to case, trimmed") {
  Exchange x;
  note_response_header(x, "Content-Type", " application/json \r\n");
  note_response_header(x, "RETRY-AFTER", "3");
  note_response_header(x, "warning", R"(299 - "first")");
  note_response_header(x, "Warning", R"(299 - "second \"quoted\"", 299 - "third" "Tue, 01 Jan 2030 00:00:00 GMT")");
  note_response_header(x, "x-other", "ignored");
  CHECK(x.content_type == "application/json");
  CHECK(x.retry_after == "3");
  CHECK(x.warnings == std::vector<std::string>{"first", "second \"quoted\"", "third"});
}

TEST_CASE("wire: Retry-After is read as client-go reads it, a 20-digit value as none") {
  using std::chrono::seconds;
  CHECK(grpcmesh::kube::retry_after_seconds("3") == seconds(3));
  CHECK(grpcmesh::kube::retry_after_seconds("+3") == seconds(3));
  CHECK(grpcmesh::kube::retry_after_seconds("-3") == seconds(-3));
  CHECK(grpcmesh::kube::retry_after_seconds("9223372036854775807") == seconds(INT64_MAX));
  for (const char* none : {"", "99999999999999999999", "3s", "Wed, 21 Oct 2015 07:28:00 GMT", " 3", "+", "1.5"}) {
    CAPTURE(none);
    CHECK_FALSE(grpcmesh::kube::retry_after_seconds(none));
  }
}

TEST_CASE("wire: warnings without a quoted text give nothing") {
  CHECK(parse_warnings("299 -").empty());
  CHECK(parse_warnings("").empty());
  CHECK(parse_warnings(R"(299 - "only")") == std::vector<std::string>{"only"});
}
