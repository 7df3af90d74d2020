// Hostile manifests: the alias and depth bombs kubectl refuses are refused
// the same way, at once, with one line naming the file, the line and the
// limit, exit 1.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "cli_util.hpp"

namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// Nine levels of nine aliases: a billion "lol"s when expanded.
std::string billion_laughs() {
  std::string s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  l0: &l0 [\"lol\"" +
                  repeat(", \"lol\"", 8) + "]\n";
  for (int i = 1; i < 9; ++i) {
    std::string alias = "*l" + std::to_string(i - 1);
    s += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + alias + repeat(", " + alias, 8) + "]\n";
  }
  return s;
}

struct Bomb {
  std::string name;
  std::string text;
  std::string line;  // where the limit is crossed
  std::string limit;
};

}  // namespace

TEST_CASE("hostile input: check -f refuses alias and depth bombs at once, in one line") {
  e2e::TempDir dir("grpcmesh-cli");
  const Bomb bombs[] = {
      {"billion laughs", billion_laughs(), "6",
       "(kubectl's limit: \"document contains excessive aliasing\"); write the repeated parts out"},
      {"100,000 nested [ (flow YAML)", repeat("[", 100000), "1",
       "nested more than 10000 levels deep (kubectl's limit); flatten the document"},
      {"100,000 nested arrays (JSON)", "{\"kind\": \"ConfigMap\", \"data\": " + repeat("[", 100000), "1",
       "nested more than 10000 levels deep (kubectl's limit); flatten the document"},
      {"100,000 nested block sequences",
       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n" + repeat("- ", 100000), "6",
       "nested more than 10000 levels deep (kubectl's limit); flatten the document"},
  };
  for (const Bomb& bomb : bombs) {
    INFO(bomb.name);
    const std::string file = (dir.path() / "bomb.yaml").string();
    cli_test::spit(file, bomb.text);
    auto start = std::chrono::steady_clock::now();
    auto r = cli_test::plugin({"check", "--offline", "-f", file});
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("error: " + file + ":" + bomb.line + ": "));
    CHECK(r.err.ends_with(bomb.limit + "\n"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    // The whole process, start-up included; about 5 ms on an idle machine.
    CHECK(took < std::chrono::seconds(2));
  }
}
