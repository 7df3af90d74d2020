#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/check/messages.hpp"
#include "core/check/snapshot.hpp"

namespace grpcmesh::check {

// What an analyzer is: a unique name (its file name under
// core/check/analyzers/), one line saying what it checks, the kinds it
// reads, and the hop of the path its findings are about. If any of those
// kinds is unreadable the analyzer is skipped, and the report shows that hop
// as not checked.
struct AnalyzerMeta {
  std::string_view name;
  std::string_view description;
  std::vector<Kind> inputs;
  // Kinds used when present but which files may leave out (e.g. Pods, whose
  // namespace Services also reveal, or EnvoyFilters, whose absence is the
  // finding). A source refusing one (403) still skips the analyzer.
  std::vector<Kind> optional_inputs = {};
  // The hop whose findings it reports (None: objects, not a hop).
  Hop hop = Hop::None;
};

// The analyzer's view of the snapshot: only the kinds it declared, plus the
// clock and the sink for its findings.
class Context {
 public:
  Context(const Snapshot& snapshot, const AnalyzerMeta& meta, std::chrono::system_clock::time_point now,
          std::vector<Message>& out);

  // Objects of a declared kind; asking for an undeclared kind is a bug and
  // throws std::logic_error.
  const Objects& list(Kind kind) const;
  // Objects of any kind that the API server would reject (files only).
  const Objects& rejected(Kind kind) const;
  const Resource* find(Kind kind, std::string_view namespace_name, std::string_view name) const;
  // Objects of a declared kind with the label key=value (or, with `selector`,
  // whose spec.selector has it), from an index (Snapshot::labelled).
  std::vector<const Resource*> labelled(Kind kind, std::string_view key, std::string_view value,
                                        bool selector = false) const;

  // Whether a declared kind could be read (an optional kind may be absent
  // from files: then its analyzers are skipped, and no object of it missing
  // is a finding of theirs).
  bool readable(Kind kind) const {
    require(kind);
    return snapshot_.readable(kind);
  }

  void report(const Resource& resource, Message message);
  std::chrono::system_clock::time_point now() const { return now_; }
  // The kinds actually read (meta-tests compare them with the declared ones).
  const std::set<Kind>& kinds_read() const { return read_; }

 private:
  void require(Kind kind) const;

  const Snapshot& snapshot_;
  const AnalyzerMeta& meta_;
  std::chrono::system_clock::time_point now_;
  std::vector<Message>& out_;
  mutable std::set<Kind> read_;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual const AnalyzerMeta& meta() const = 0;
  virtual void analyze(Context& ctx) const = 0;
};

// Every analyzer, in a stable order (core/check/registry.cpp).
std::vector<std::unique_ptr<Analyzer>> all_analyzers();

// An analyzer that did not run, and why.
struct Skipped {
  std::string analyzer;
  std::string reason;
  Hop hop = Hop::None;  // the hop it would have checked
  // Skipped (also) for lack of Istio's Gateways or VirtualServices: it has
  // nothing to say about a host the Gateway API alone serves.
  bool needs_istio = false;
  // An analyzer of the Gateway API's objects (it reads one of its kinds and
  // needs no Istio Gateway or VirtualService): it has nothing to say about a
  // host Istio's API alone serves.
  bool gateway_api = false;
};

struct Result {
  std::vector<Message> findings;
  std::vector<Skipped> skipped;
  std::vector<std::string> analyzers_run;
};

// Runs the analyzers over the snapshot. Findings are sorted (host, code,
// resource); ignored inputs become GM0001 infos.
Result run(const Snapshot& snapshot, std::span<const std::unique_ptr<Analyzer>> analyzers,
           std::chrono::system_clock::time_point now);

}  // namespace grpcmesh::check
