#pragma once

// The compact, read-only form in which check keeps each object: the fields
// its analyzers read, as a flat array of 8-byte nodes (depth first) followed
// by the strings and numbers, in one allocation, instead of a JSON document
// tree with an allocation per value. Node is a cheap handle into it with the
// read accessors of a JSON value.

#include <cstdint>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::check {

enum class NodeType : std::uint8_t { Null, Bool, Int, Uint, Float, String, Array, Object };

namespace detail {
// type (4 bits) and a (28 bits): string: its length; array/object: the number
// of values; bool: the value. b: string, number: offset of its bytes (numbers
// as 8 raw bytes); array/object: the index past its last descendant.
struct NodeRec {
  std::uint32_t head = 0;
  std::uint32_t b = 0;
  NodeType type() const { return static_cast<NodeType>(head & 0xF); }
  std::uint32_t a() const { return head >> 4; }
  static NodeRec make(NodeType t, std::uint32_t a, std::uint32_t b) {
    return {static_cast<std::uint32_t>(t) | (a << 4), b};
  }
};
}  // namespace detail

class Node;

// One key/value of an object, as Node::items() yields them.
struct Member;

class Node {
 public:
  Node() = default;

  NodeType type() const { return rec().type(); }
  bool is_null() const { return type() == NodeType::Null; }
  bool is_boolean() const { return type() == NodeType::Bool; }
  bool is_number_integer() const { return type() == NodeType::Int || type() == NodeType::Uint; }
  bool is_number() const { return is_number_integer() || type() == NodeType::Float; }
  bool is_string() const { return type() == NodeType::String; }
  bool is_array() const { return type() == NodeType::Array; }
  bool is_object() const { return type() == NodeType::Object; }

  // The value, or an empty / zero / false one when the node is of another type.
  std::string_view str() const;
  std::int64_t integer() const;
  bool boolean() const { return is_boolean() && rec().a() != 0; }
  double number() const;
  // nlohmann::json-style typed reads: get<int>(), get<std::string>(), get<bool>().
  template <typename T>
  T get() const;

  // Number of array elements or object members; 0 for scalars.
  size_t size() const { return is_array() || is_object() ? rec().a() : 0; }
  bool empty() const { return size() == 0; }
  // The member named `key` (the last one if repeated); a null node when absent
  // or when this is not an object.
  Node operator[](std::string_view key) const;
  // The i-th array element; a null node when out of range or not an array.
  Node operator[](size_t i) const;
  Node operator[](int i) const { return (*this)[static_cast<size_t>(i)]; }
  bool contains(std::string_view key) const;

  // Array elements (an object or scalar has none).
  class ValueIterator;
  ValueIterator begin() const;
  ValueIterator end() const;
  // Object members, as {key, value}.
  class Items;
  Items items() const;

  // JSON text; object keys sorted (as nlohmann::json's std::map keeps them), so
  // equal objects dump alike whatever order their keys were written in.
  std::string dump() const;
  nlohmann::json to_json() const;

  bool operator==(const Node& other) const;
  bool operator==(std::string_view value) const { return is_string() && str() == value; }
  bool operator==(const char* value) const { return *this == std::string_view(value); }

 private:
  friend class Tree;
  friend class TreeBuilder;
  friend struct Member;
  Node(const detail::NodeRec* recs, const char* strings, std::uint32_t index)
      : recs_(recs), strings_(strings), index_(index) {}
  const detail::NodeRec& rec() const;
  std::uint32_t next() const;  // index past this node and its descendants
  std::uint64_t bits() const;  // a number's 8 bytes

  const detail::NodeRec* recs_ = nullptr;
  const char* strings_ = nullptr;
  std::uint32_t index_ = 0;
};

struct Member {
  std::string_view key;
  Node value;
};

template <>
int Node::get<int>() const;
template <>
std::int64_t Node::get<std::int64_t>() const;
template <>
std::uint64_t Node::get<std::uint64_t>() const;
template <>
double Node::get<double>() const;
template <>
bool Node::get<bool>() const;
template <>
std::string Node::get<std::string>() const;

class Node::ValueIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Node;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = Node;
  ValueIterator() = default;
  ValueIterator(Node at) : at_(at) {}
  Node operator*() const { return at_; }
  ValueIterator& operator++() {
    at_.index_ = at_.next();
    return *this;
  }
  bool operator==(const ValueIterator& o) const { return at_.index_ == o.at_.index_; }

 private:
  Node at_;
};

class Node::Items {
 public:
  class Iterator {
   public:
    Iterator(Node key) : key_(key) {}
    Member operator*() const;
    Iterator& operator++();
    bool operator==(const Iterator& o) const { return key_.index_ == o.key_.index_; }

   private:
    Node key_;
  };
  Items(Node object) : object_(object) {}
  Iterator begin() const;
  Iterator end() const;

 private:
  Node object_;
};

// A compact tree. Built with TreeBuilder (or from a nlohmann::json value);
// copying or moving a Tree keeps nodes obtained from it valid only for the
// tree they came from.
class Tree {
 public:
  Tree() = default;  // null
  Tree(const nlohmann::json& value);  // NOLINT: implicit, so JSON reads as a Tree
  Tree(const Tree& other);
  Tree& operator=(const Tree& other);
  Tree(Tree&&) noexcept = default;
  Tree& operator=(Tree&&) noexcept = default;

  Node root() const;
  // Bytes held (nodes, strings and numbers), for the memory budget.
  size_t bytes() const { return nodes_ * sizeof(detail::NodeRec) + bytes_; }

 private:
  friend class TreeBuilder;
  std::unique_ptr<char[]> data_;  // the nodes, then the strings and numbers
  std::uint32_t nodes_ = 0;
  std::uint32_t bytes_ = 0;
};

// Appends values depth first and hands out finished Trees; can copy a part
// of another tree, keeping only some of its paths.
class TreeBuilder {
 public:
  void begin_object();
  void begin_array();
  void end();  // closes the innermost object or array
  void key(std::string_view key);
  void null_value();
  void boolean(bool value);
  void integer(std::int64_t value);
  void unsigned_integer(std::uint64_t value);
  void number(double value);
  void string(std::string_view value);
  // Depth of open objects and arrays.
  size_t depth() const { return open_.size(); }
  bool empty() const { return recs_.empty(); }

  // The finished value, in storage of exactly its size; the builder is
  // cleared for the next one.
  Tree finish();
  // A view of what has been built so far (valid until the next append).
  Node peek() const;
  void clear();

  // Appends a copy of `node`. For objects at the top, only the members whose
  // dotted path ("spec", "metadata.labels", "status.loadBalancer") `keep`
  // accepts are copied; keep(path) answers Keep, Drop, or Descend (copy the
  // member but ask again for its own members; left out if none is kept).
  enum class Verdict { Keep, Drop, Descend };
  template <typename Keep>
  void copy(Node node, Keep&& keep, std::string& path);
  void copy(Node node);

 private:
  void value(detail::NodeRec rec);
  void bits(NodeType type, std::uint64_t v);
  std::vector<detail::NodeRec> recs_;
  std::string strings_;
  std::vector<std::uint32_t> open_;
};

template <typename Keep>
void TreeBuilder::copy(Node node, Keep&& keep, std::string& path) {
  if (!node.is_object()) {
    copy(node);
    return;
  }
  begin_object();
  for (const Member& m : node.items()) {
    size_t mark = path.size();
    if (!path.empty()) {
      path += '.';
    }
    path += m.key;
    Verdict v = keep(std::string_view(path));
    if (v == Verdict::Keep) {
      key(m.key);
      copy(m.value);
    } else if (v == Verdict::Descend && m.value.is_object()) {
      size_t recs = recs_.size();
      size_t strings = strings_.size();
      key(m.key);
      copy(m.value, keep, path);
      if (recs_[recs + 1].a() == 0) {  // nothing kept under it: undo the key and the empty object
        recs_.resize(recs);
        strings_.resize(strings);
        recs_[open_.back()].head -= 1u << 4;
      }
    }
    path.resize(mark);
  }
  end();
}

}  // namespace grpcmesh::check
