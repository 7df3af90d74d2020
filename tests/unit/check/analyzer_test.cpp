// Meta-tests of the analyzer framework: every analyzer is registered, has a
// unique name matching its file and a description, and reads only the kinds
// it declares; unreadable kinds skip analyzers instead of passing them.
#include "core/check/analyzer.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <stdexcept>

#include "fixture_util.hpp"

using namespace grpcmesh::check;
namespace fs = std::filesystem;

TEST_CASE("analyzers: one registered analyzer per file, unique names, each described") {
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(fs::path(GRPCMESH_SOURCE_DIR) / "core/check/analyzers")) {
    if (e.path().extension() == ".cpp") {
      files.insert(e.path().stem().string());
    }
  }
  std::set<std::string> names;
  for (const auto& a : all_analyzers()) {
    const AnalyzerMeta& meta = a->meta();
    INFO("analyzer: ", meta.name);
    CHECK(names.insert(std::string(meta.name)).second);
    CHECK(meta.description.size() > 20);
  }
  CHECK(names == files);
}

TEST_CASE("analyzers: read only declared kinds, and every declared kind is read somewhere") {
  auto analyzers = all_analyzers();
  std::map<std::string, std::set<Kind>> read;
  for (const auto& dir : check_test::fixture_dirs()) {
    Snapshot snapshot = check_test::load_fixture(dir);
    for (const auto& a : analyzers) {
      std::vector<Message> out;
      Context ctx(snapshot, a->meta(), check_test::fixture_now(), out);
      INFO("analyzer ", a->meta().name, " on ", dir.filename().string());
      // Context::list throws std::logic_error on an undeclared kind.
      CHECK_NOTHROW(a->analyze(ctx));
      read[std::string(a->meta().name)].insert(ctx.kinds_read().begin(), ctx.kinds_read().end());
    }
  }
  for (const auto& a : analyzers) {
    std::set<Kind> declared(a->meta().inputs.begin(), a->meta().inputs.end());
    declared.insert(a->meta().optional_inputs.begin(), a->meta().optional_inputs.end());
    INFO("analyzer: ", a->meta().name);
    CHECK(read[std::string(a->meta().name)] == declared);
  }
}

TEST_CASE("analyzers: every finding belongs to the hop its analyzer declares (where skips are drawn)") {
  auto analyzers = all_analyzers();
  std::map<std::string, std::set<Hop>> hops;
  for (const auto& dir : check_test::fixture_dirs()) {
    Snapshot snapshot = check_test::load_fixture(dir);
    for (const auto& a : analyzers) {
      std::vector<Message> out;
      Context ctx(snapshot, a->meta(), check_test::fixture_now(), out);
      a->analyze(ctx);
      for (const Message& m : out) {
        INFO("analyzer ", a->meta().name, " reported ", m.code, " on ", dir.filename().string());
        CHECK((m.hop == a->meta().hop || m.hop == Hop::None));
        hops[std::string(a->meta().name)].insert(m.hop);
      }
    }
  }
  // Only an analyzer whose findings are about objects, not a hop, declares none.
  for (const auto& a : analyzers) {
    INFO("analyzer: ", a->meta().name);
    CHECK(hops.count(std::string(a->meta().name)) == 1);
    CHECK((a->meta().hop != Hop::None || a->meta().name == "api_version"));
  }
}

TEST_CASE("analyzers: the context refuses a kind the analyzer did not declare") {
  Snapshot snapshot;
  AnalyzerMeta meta{"probe", "reads only Services for this test", {Kind::Service}};
  std::vector<Message> out;
  Context ctx(snapshot, meta, check_test::fixture_now(), out);
  CHECK_NOTHROW(ctx.list(Kind::Service));
  CHECK_THROWS_AS(ctx.list(Kind::Secret), std::logic_error);
  CHECK_THROWS_AS(ctx.find(Kind::Pod, "default", "x"), std::logic_error);
}

TEST_CASE("analyzers: kinds absent from the input skip the analyzers needing them") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "ok-https");
  Snapshot no_pods;
  for (const auto& info : known_kinds()) {
    for (const Resource& r : snapshot.list(info.kind)) {
      if (r.kind != Kind::Pod) {
        no_pods.add(r);
      }
    }
  }
  Result result = run(no_pods, all_analyzers(), check_test::fixture_now());
  bool workload_skipped = false;
  for (const Skipped& s : result.skipped) {
    if (s.analyzer == "gateway_workload") {
      workload_skipped = true;
      CHECK(s.reason == "no Pod in the input");
    }
  }
  CHECK(workload_skipped);
  // gateway_credential reads Pods only when present: it still ran.
  CHECK(std::count(result.analyzers_run.begin(), result.analyzers_run.end(), "gateway_credential") == 1);
}

TEST_CASE("analyzers: a kind the source refused (403) skips even analyzers for which it is optional") {
  Snapshot snapshot = check_test::load_fixture(check_test::fixture_root() / "gm0035-grpc-web-filter-missing");
  snapshot.mark_unreadable(Kind::EnvoyFilter, "envoyfilters.networking.istio.io is forbidden: User \"viewer\" cannot list");
  Result result = run(snapshot, all_analyzers(), check_test::fixture_now());
  bool skipped = false;
  for (const Skipped& s : result.skipped) {
    skipped = skipped || (s.analyzer == "grpc_web_filter" && s.reason.find("forbidden") != std::string::npos);
  }
  CHECK(skipped);
  for (const Message& m : result.findings) {
    CHECK(m.code != "GM0035");  // not a silent pass, and not a guess either
  }
}
