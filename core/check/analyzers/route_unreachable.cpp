// http rules that never see traffic: after a rule without match (or a match
// that takes every request), or whose matches all repeat earlier ones.
#include <fmt/format.h>

#include <map>

#include "core/check/analyzers/analyzers.hpp"
#include "core/check/mesh.hpp"

namespace grpcmesh::check::analyzers {
namespace {

// A match that every request satisfies: uri prefix "/" (or regex ".*") alone.
bool matches_everything(Node match) {
  if (!match.is_object()) {
    return false;
  }
  for (const auto& [key, value] : match.items()) {
    if (key == "name") {
      continue;
    }
    if (key != "uri") {
      return false;
    }
    bool all = string_field(value, "prefix") == "/" || string_field(value, "regex") == ".*";
    if (!all) {
      return false;
    }
  }
  return true;
}

// A match without its name, as text: equal conditions give equal keys.
std::string condition_key(Node match) {
  if (!match.is_object()) {
    return match.dump();
  }
  std::vector<std::pair<std::string_view, std::string>> members;
  for (const auto& [key, value] : match.items()) {
    if (key != "name") {
      members.emplace_back(key, value.dump());
    }
  }
  std::sort(members.begin(), members.end());
  std::string out;
  for (const auto& [key, value] : members) {
    out += fmt::format("{:?}:{},", key, value);
  }
  return out;
}

std::string rule_name(Node rule, size_t index) {
  std::string name = string_field(rule, "name");
  return name.empty() ? std::to_string(index) : fmt::format("{:?}", name);
}

class RouteUnreachable final : public Analyzer {
 public:
  const AnalyzerMeta& meta() const override { return meta_; }

  void analyze(Context& ctx) const override {
    for (const Resource& vs : ctx.list(Kind::VirtualService)) {
      auto hosts = mesh::hosts(vs);
      const auto& rules = field(vs.spec(), "http");
      if (!rules.is_array()) {
        continue;
      }
      std::map<std::string, size_t> seen;  // match as JSON -> first rule using it
      std::optional<size_t> catch_all;
      for (size_t i = 0; i < rules.size(); ++i) {
        const auto& matches = field(rules[i], "match");
        std::optional<std::string> reason;
        if (catch_all) {
          reason = fmt::format("rule {} before it takes every request; only the last rule can match everything",
                               rule_name(rules[*catch_all], *catch_all));
        }
        if (!matches.is_array() || matches.empty()) {
          catch_all = catch_all.value_or(i);
        } else {
          size_t duplicates = 0;
          for (Node m : matches) {
            auto [it, fresh] = seen.emplace(condition_key(m), i);
            duplicates += fresh ? 0 : 1;
            if (matches_everything(m)) {
              catch_all = catch_all.value_or(i);
            }
          }
          if (!reason && duplicates == matches.size()) {
            reason = "all matches used by prior rules";
          }
        }
        if (reason) {
          ctx.report(vs, mesh::on_first_host(msg::RouteUnreachable(rule_name(rules[i], i), *reason), hosts));
        }
      }
    }
  }

 private:
  AnalyzerMeta meta_{"route_unreachable",
                     "http rules that can never match because an earlier rule takes their traffic",
                     {Kind::VirtualService},
                     {},
                     Hop::Route};
};

}  // namespace

std::unique_ptr<Analyzer> make_route_unreachable() { return std::make_unique<RouteUnreachable>(); }

}  // namespace grpcmesh::check::analyzers
