// libFuzzer target: check's compact tree (core/check/tree) built from the
// parse events of arbitrary YAML/JSON, read back with every accessor, copied
// with a path filter and compared with the tree built from the same value as
// nlohmann::json. A value the reader refuses is fine; the tree must hold
// exactly what the events said.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/check/tree.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace {

using grpcmesh::check::Node;
using grpcmesh::check::Tree;
using grpcmesh::check::TreeBuilder;

// Builds one tree per document from the events.
class Builder final : public grpcmesh::yaml::Handler {
 public:
  std::vector<Tree> trees;
  void begin_document(int) override {}
  void end_document() override { trees.push_back(b_.finish()); }
  void begin_object(int) override { b_.begin_object(); }
  void key(std::string_view key) override { b_.key(key); }
  void end_object() override { b_.end(); }
  void begin_array() override { b_.begin_array(); }
  void end_array() override { b_.end(); }
  void null_value() override { b_.null_value(); }
  void boolean(bool value) override { b_.boolean(value); }
  void integer(std::int64_t value) override { b_.integer(value); }
  void unsigned_integer(std::uint64_t value) override { b_.unsigned_integer(value); }
  void number(double value) override { b_.number(value); }
  void string(std::string_view value) override { b_.string(value); }

 private:
  TreeBuilder b_;
};

// Reads every node with every accessor, without recursion (a tree may nest
// 10,000 levels).
size_t walk(Node root) {
  size_t nodes = 0;
  std::vector<Node> todo{root};
  while (!todo.empty()) {
    Node n = todo.back();
    todo.pop_back();
    ++nodes;
    (void)n.str();
    (void)n.integer();
    (void)n.number();
    (void)n.boolean();
    (void)n.get<int>();
    (void)n.get<std::string>();
    (void)n[0];
    (void)n["metadata"];
    (void)n.contains("spec");
    size_t count = 0;
    if (n.is_array()) {
      for (Node child : n) {
        todo.push_back(child);
        ++count;
      }
    } else if (n.is_object()) {
      for (const auto& m : n.items()) {
        (void)n[m.key];
        todo.push_back(m.value);
        ++count;
      }
    }
    if (count != n.size()) {
      std::abort();  // size() and the children disagree
    }
  }
  return nodes;
}

// How deeply the tree nests, without recursion.
size_t depth(Node root) {
  size_t deepest = 0;
  std::vector<std::pair<Node, size_t>> todo{{root, 1}};
  while (!todo.empty()) {
    auto [n, d] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, d);
    if (n.is_array()) {
      for (Node child : n) {
        todo.emplace_back(child, d + 1);
      }
    } else if (n.is_object()) {
      for (const auto& m : n.items()) {
        todo.emplace_back(m.value, d + 1);
      }
    }
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Builder builder;
  try {
    grpcmesh::yaml::parse_events(text, "fuzz.yaml", builder);
  } catch (const grpcmesh::Error&) {
    return 0;
  }
  std::vector<grpcmesh::yaml::Document> docs;
  try {
    docs = grpcmesh::yaml::parse_all(text, "fuzz.yaml");
  } catch (const grpcmesh::Error&) {
    return 0;  // parse_all refuses more (keys JSON cannot name, ...)
  }
  for (const Tree& tree : builder.trees) {
    walk(tree.root());
    Tree copy = tree;  // NOLINT: the copy constructor is under test
    // Node::operator== recurses (only tests compare trees), and 10,000
    // levels of it overflow AddressSanitizer's larger stack frames.
    if (depth(tree.root()) < 256 && !(copy.root() == tree.root())) {
      std::abort();
    }
    TreeBuilder filtered;
    std::string path;
    filtered.copy(
        tree.root(),
        [](std::string_view p) {
          if (p == "spec" || p == "metadata.labels") {
            return TreeBuilder::Verdict::Keep;
          }
          return p == "metadata" || p.size() < 3 ? TreeBuilder::Verdict::Descend : TreeBuilder::Verdict::Drop;
        },
        path);
    walk(filtered.finish().root());
  }
  // A document of a few levels also round-trips through nlohmann::json.
  for (const auto& doc : docs) {
    Tree from_json(doc.value);
    walk(from_json.root());
    if (walk(from_json.root()) < 2000) {
      (void)from_json.root().dump();
      (void)from_json.root().to_json();
    }
  }
  return 0;
}
