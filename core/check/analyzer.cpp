#include "core/check/analyzer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace grpcmesh::check {

Context::Context(const Snapshot& snapshot, const AnalyzerMeta& meta, std::chrono::system_clock::time_point now,
                 std::vector<Message>& out)
    : snapshot_(snapshot), meta_(meta), now_(now), out_(out) {}

void Context::require(Kind kind) const {
  auto declared = [&](const std::vector<Kind>& kinds) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  if (!declared(meta_.inputs) && !declared(meta_.optional_inputs)) {
    throw std::logic_error(
        fmt::format("analyzer {} reads {} without declaring it", meta_.name, kind_name(kind)));
  }
  read_.insert(kind);
}

const Objects& Context::list(Kind kind) const {
  require(kind);
  return snapshot_.list(kind);
}

const Objects& Context::rejected(Kind kind) const {
  // Objects no API server would store: only files have them, so reading them
  // depends on no readable kind.
  return snapshot_.rejected(kind);
}

const Resource* Context::find(Kind kind, std::string_view namespace_name, std::string_view name) const {
  require(kind);
  return snapshot_.find(kind, namespace_name, name);
}

std::vector<const Resource*> Context::labelled(Kind kind, std::string_view key, std::string_view value,
                                               bool selector) const {
  require(kind);
  return snapshot_.labelled(kind, key, value, selector);
}

void Context::report(const Resource& resource, Message message) {
  message.resource = resource.ref();
  message.origin = resource.origin.str();
  out_.push_back(std::move(message));
}

Result run(const Snapshot& snapshot, std::span<const std::unique_ptr<Analyzer>> analyzers,
           std::chrono::system_clock::time_point now) {
  Result result;
  for (const IgnoredObject& o : snapshot.ignored()) {
    Message m = msg::UnknownKindIgnored(o.api_version, o.kind);
    m.resource = {o.kind, o.namespace_name, o.name};
    m.origin = o.origin;
    result.findings.push_back(std::move(m));
  }
  for (const auto& analyzer : analyzers) {
    const AnalyzerMeta& meta = analyzer->meta();
    std::vector<std::string> missing;
    bool needs_istio = false;
    bool gateway_api = false;
    for (Kind kind : meta.inputs) {
      if (!snapshot.readable(kind)) {
        missing.push_back(snapshot.unreadable_reason(kind));
        needs_istio = needs_istio || kind == Kind::Gateway || kind == Kind::VirtualService;
      }
    }
    // Optional kinds may be absent from files, but a source refusing them
    // leaves the answer unknown.
    for (Kind kind : meta.optional_inputs) {
      if (snapshot.denied(kind)) {
        missing.push_back(snapshot.unreadable_reason(kind));
        needs_istio = needs_istio || kind == Kind::Gateway || kind == Kind::VirtualService;
      }
    }
    // An analyzer of the Gateway API's objects reads one of its kinds and
    // none of Istio's (Gateway API kinds are optional inputs, as files may
    // lack them); one that reads both is about both APIs' paths.
    bool istio = false;
    for (const auto* kinds : {&meta.inputs, &meta.optional_inputs}) {
      for (Kind kind : *kinds) {
        gateway_api = gateway_api || gateway_api_kind(kind);
        istio = istio || kind == Kind::Gateway || kind == Kind::VirtualService;
      }
    }
    gateway_api = gateway_api && !istio;
    if (!missing.empty()) {
      result.skipped.push_back(
          {std::string(meta.name), fmt::format("{}", fmt::join(missing, "; ")), meta.hop, needs_istio,
           gateway_api});
      continue;
    }
    Context ctx(snapshot, meta, now, result.findings);
    analyzer->analyze(ctx);
    result.analyzers_run.emplace_back(meta.name);
  }
  std::stable_sort(result.findings.begin(), result.findings.end(), [](const Message& a, const Message& b) {
    return std::tie(a.host, a.code, a.resource) < std::tie(b.host, b.code, b.resource);
  });
  // The same problem found twice (e.g. two rules to one port) is one finding.
  auto same = [](const Message& a, const Message& b) {
    return a.code == b.code && a.resource == b.resource && a.text == b.text && a.host == b.host;
  };
  result.findings.erase(std::unique(result.findings.begin(), result.findings.end(), same), result.findings.end());
  return result;
}

}  // namespace grpcmesh::check
