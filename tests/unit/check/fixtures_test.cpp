// The fixture table: every directory under tests/testdata/check is analysed
// with all analyzers and must produce exactly the [code, Kind ns/name] set in
// its `expected` file, in any order. ok-* cases expect nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/check/analyzer.hpp"
#include "fixture_util.hpp"

using namespace grpcmesh::check;

TEST_CASE("check fixtures: each case yields exactly its expected findings") {
  auto dirs = check_test::fixture_dirs();
  REQUIRE(dirs.size() >= 40);
  auto analyzers = all_analyzers();
  for (const auto& dir : dirs) {
    INFO("fixture: ", dir.filename().string());
    Snapshot snapshot = check_test::load_fixture(dir);
    Result result = run(snapshot, analyzers, check_test::fixture_now());
    CHECK(check_test::finding_keys(result) == check_test::expected_keys(dir));
  }
}

TEST_CASE("check fixtures: the no-false-positive cases run every analyzer they have input for") {
  auto analyzers = all_analyzers();
  for (const char* name : {"ok-https", "ok-grpc-web"}) {
    INFO("fixture: ", name);
    Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / name);
    Result result = run(snapshot, analyzers, check_test::fixture_now());
    // Only the DestinationRule analyzer lacks input in these cases.
    REQUIRE(result.skipped.size() == 1);
    CHECK(result.skipped[0].analyzer == "destination_rule");
    CHECK(result.findings.empty());
  }
}

TEST_CASE("check fixtures: every catalogue code has a case that expects it") {
  std::set<std::string> expected_codes;
  for (const auto& dir : check_test::fixture_dirs()) {
    for (const std::string& key : check_test::expected_keys(dir)) {
      expected_codes.insert(key.substr(0, key.find(' ')));
    }
  }
  for (const CatalogueEntry& e : catalogue()) {
    if (e.deep) {
      continue;  // made from istiod's configuration, not from files: tests/unit/check/deep/
    }
    CHECK_MESSAGE(expected_codes.count(std::string(e.code)) == 1, "no fixture expects ", e.code);
  }
}
