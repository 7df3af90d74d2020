#include "core/check/tree.hpp"


#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

namespace grpcmesh::check {

using detail::NodeRec;

namespace {

const NodeRec kNullRec{};

void dump_string(std::string& out, std::string_view s) { out += nlohmann::json(s).dump(); }

void dump_to(std::string& out, Node n) {
  switch (n.type()) {
    case NodeType::Null: out += "null"; return;
    case NodeType::Bool: out += n.boolean() ? "true" : "false"; return;
    case NodeType::Int: out += std::to_string(n.integer()); return;
    case NodeType::Uint: out += std::to_string(n.get<std::uint64_t>()); return;
    case NodeType::Float: out += nlohmann::json(n.number()).dump(); return;
    case NodeType::String: dump_string(out, n.str()); return;
    case NodeType::Array: {
      out += '[';
      bool first = true;
      for (Node v : n) {
        out += first ? "" : ",";
        first = false;
        dump_to(out, v);
      }
      out += ']';
      return;
    }
    case NodeType::Object: {
      std::vector<Member> members;
      for (const Member& m : n.items()) {
        members.push_back(m);
      }
      std::stable_sort(members.begin(), members.end(),
                       [](const Member& a, const Member& b) { return a.key < b.key; });
      out += '{';
      for (size_t i = 0; i < members.size(); ++i) {
        // a repeated key counts once, with its last value (as in a JSON object)
        if (i + 1 < members.size() && members[i + 1].key == members[i].key) {
          continue;
        }
        out += out.back() == '{' ? "" : ",";
        dump_string(out, members[i].key);
        out += ':';
        dump_to(out, members[i].value);
      }
      out += '}';
      return;
    }
  }
}

void build_from_json(TreeBuilder& b, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      b.begin_object();
      for (const auto& [key, value] : v.items()) {
        b.key(key);
        build_from_json(b, value);
      }
      b.end();
      return;
    case nlohmann::json::value_t::array:
      b.begin_array();
      for (const auto& e : v) {
        build_from_json(b, e);
      }
      b.end();
      return;
    case nlohmann::json::value_t::string: b.string(v.get_ref<const std::string&>()); return;
    case nlohmann::json::value_t::boolean: b.boolean(v.get<bool>()); return;
    case nlohmann::json::value_t::number_integer: b.integer(v.get<std::int64_t>()); return;
    case nlohmann::json::value_t::number_unsigned: b.unsigned_integer(v.get<std::uint64_t>()); return;
    case nlohmann::json::value_t::number_float: b.number(v.get<double>()); return;
    default: b.null_value(); return;
  }
}

}  // namespace

// --- Node ----------------------------------------------------------------------

const NodeRec& Node::rec() const { return recs_ == nullptr ? kNullRec : recs_[index_]; }

std::uint32_t Node::next() const {
  const NodeRec& r = rec();
  return r.type() == NodeType::Array || r.type() == NodeType::Object ? r.b : index_ + 1;
}

std::uint64_t Node::bits() const {
  std::uint64_t v = 0;
  std::memcpy(&v, strings_ + rec().b, sizeof v);
  return v;
}

std::string_view Node::str() const {
  const NodeRec& r = rec();
  return r.type() == NodeType::String ? std::string_view(strings_ + r.b, r.a()) : std::string_view();
}

std::int64_t Node::integer() const {
  switch (type()) {
    case NodeType::Int:
    case NodeType::Uint: return static_cast<std::int64_t>(bits());
    case NodeType::Float: {
      // Beyond int64 (or NaN) the cast is undefined (tree_fuzz, `v: 1e21`): zero, as for other types.
      const double d = std::bit_cast<double>(bits());
      return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? static_cast<std::int64_t>(d) : 0;
    }
    default: return 0;
  }
}

double Node::number() const {
  switch (type()) {
    case NodeType::Int: return static_cast<double>(static_cast<std::int64_t>(bits()));
    case NodeType::Uint: return static_cast<double>(bits());
    case NodeType::Float: return std::bit_cast<double>(bits());
    default: return 0;
  }
}

template <>
int Node::get<int>() const {
  return static_cast<int>(integer());
}
template <>
std::int64_t Node::get<std::int64_t>() const {
  return integer();
}
template <>
std::uint64_t Node::get<std::uint64_t>() const {
  return type() == NodeType::Uint ? bits() : static_cast<std::uint64_t>(integer());
}
template <>
double Node::get<double>() const {
  return number();
}
template <>
bool Node::get<bool>() const {
  return boolean();
}
template <>
std::string Node::get<std::string>() const {
  return std::string(str());
}

Node Node::operator[](std::string_view key) const {
  Node found;
  if (!is_object()) {
    return found;
  }
  for (const Member& m : items()) {
    if (m.key == key) {
      found = m.value;
    }
  }
  return found;
}

bool Node::contains(std::string_view key) const {
  if (!is_object()) {
    return false;
  }
  for (const Member& m : items()) {
    if (m.key == key) {
      return true;
    }
  }
  return false;
}

Node Node::operator[](size_t i) const {
  if (!is_array()) {
    return {};
  }
  for (Node v : *this) {
    if (i-- == 0) {
      return v;
    }
  }
  return {};
}

Node::ValueIterator Node::begin() const {
  return is_array() ? ValueIterator(Node(recs_, strings_, index_ + 1)) : end();
}

Node::ValueIterator Node::end() const { return ValueIterator(Node(recs_, strings_, next())); }

Node::Items Node::items() const { return Items(*this); }

Member Node::Items::Iterator::operator*() const {
  return {key_.str(), Node(key_.recs_, key_.strings_, key_.index_ + 1)};
}

Node::Items::Iterator& Node::Items::Iterator::operator++() {
  key_.index_ = Node(key_.recs_, key_.strings_, key_.index_ + 1).next();
  return *this;
}

Node::Items::Iterator Node::Items::begin() const {
  if (!object_.is_object()) {
    return end();
  }
  return Iterator(Node(object_.recs_, object_.strings_, object_.index_ + 1));
}

Node::Items::Iterator Node::Items::end() const {
  return Iterator(Node(object_.recs_, object_.strings_, object_.next()));
}

std::string Node::dump() const {
  std::string out;
  dump_to(out, *this);
  return out;
}

nlohmann::json Node::to_json() const { return nlohmann::json::parse(dump()); }

bool Node::operator==(const Node& other) const {
  NodeType a = type();
  NodeType b = other.type();
  if (is_number() && other.is_number()) {
    if (a == NodeType::Float || b == NodeType::Float) {
      return number() == other.number();
    }
    bool an = a == NodeType::Int && integer() < 0;
    bool bn = b == NodeType::Int && other.integer() < 0;
    return an == bn && bits() == other.bits();
  }
  if (a != b) {
    return false;
  }
  switch (a) {
    case NodeType::Null: return true;
    case NodeType::Bool: return boolean() == other.boolean();
    case NodeType::String: return str() == other.str();
    case NodeType::Array: {
      if (size() != other.size()) {
        return false;
      }
      auto j = other.begin();
      for (Node v : *this) {
        if (!(v == *j)) {
          return false;
        }
        ++j;
      }
      return true;
    }
    case NodeType::Object: {
      // A repeated key counts once, with its last value (as operator[] and
      // JSON read it): {a: 1, a: 2} equals itself and {a: 2}.
      for (const Member& m : items()) {
        if (!other.contains(m.key) || !((*this)[m.key] == other[m.key])) {
          return false;
        }
      }
      for (const Member& m : other.items()) {
        if (!contains(m.key)) {
          return false;
        }
      }
      return true;
    }
    default: return false;
  }
}

// --- Tree ------------------------------------------------------------------------

Node Tree::root() const {
  if (nodes_ == 0) {
    return {};
  }
  return Node(reinterpret_cast<const NodeRec*>(data_.get()), data_.get() + nodes_ * sizeof(NodeRec), 0);
}

Tree::Tree(const Tree& other) : nodes_(other.nodes_), bytes_(other.bytes_) {
  size_t n = nodes_ * sizeof(NodeRec) + bytes_;
  if (n > 0) {
    data_ = std::make_unique_for_overwrite<char[]>(n);
    std::memcpy(data_.get(), other.data_.get(), n);
  }
}

Tree& Tree::operator=(const Tree& other) {
  if (this != &other) {
    *this = Tree(other);
  }
  return *this;
}

Tree::Tree(const nlohmann::json& value) {
  TreeBuilder b;
  build_from_json(b, value);
  *this = b.finish();
}

// --- TreeBuilder -----------------------------------------------------------------

void TreeBuilder::value(NodeRec rec) {
  if (!open_.empty()) {
    recs_[open_.back()].head += 1u << 4;  // one more value in it
  }
  recs_.push_back(rec);
}

void TreeBuilder::begin_object() {
  value(NodeRec::make(NodeType::Object, 0, 0));
  open_.push_back(static_cast<std::uint32_t>(recs_.size() - 1));
}

void TreeBuilder::begin_array() {
  value(NodeRec::make(NodeType::Array, 0, 0));
  open_.push_back(static_cast<std::uint32_t>(recs_.size() - 1));
}

void TreeBuilder::end() {
  assert(!open_.empty());
  recs_[open_.back()].b = static_cast<std::uint32_t>(recs_.size());
  open_.pop_back();
}

void TreeBuilder::key(std::string_view key) {
  // A key is a string node that does not count as a member by itself: the
  // member is counted with its value.
  recs_.push_back(NodeRec::make(NodeType::String, static_cast<std::uint32_t>(key.size()),
                                static_cast<std::uint32_t>(strings_.size())));
  strings_.append(key);
}

void TreeBuilder::bits(NodeType type, std::uint64_t v) {
  value(NodeRec::make(type, 0, static_cast<std::uint32_t>(strings_.size())));
  strings_.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void TreeBuilder::null_value() { value(NodeRec::make(NodeType::Null, 0, 0)); }
void TreeBuilder::boolean(bool v) { value(NodeRec::make(NodeType::Bool, v ? 1u : 0u, 0)); }
void TreeBuilder::integer(std::int64_t v) { bits(NodeType::Int, static_cast<std::uint64_t>(v)); }
void TreeBuilder::unsigned_integer(std::uint64_t v) { bits(NodeType::Uint, v); }
void TreeBuilder::number(double v) { bits(NodeType::Float, std::bit_cast<std::uint64_t>(v)); }

void TreeBuilder::string(std::string_view v) {
  value(NodeRec::make(NodeType::String, static_cast<std::uint32_t>(v.size()),
                      static_cast<std::uint32_t>(strings_.size())));
  strings_.append(v);
}

Tree TreeBuilder::finish() {
  assert(open_.empty());
  Tree t;
  if (!recs_.empty()) {
    // one allocation of exactly the size
    t.nodes_ = static_cast<std::uint32_t>(recs_.size());
    t.bytes_ = static_cast<std::uint32_t>(strings_.size());
    t.data_ = std::make_unique_for_overwrite<char[]>(recs_.size() * sizeof(NodeRec) + strings_.size());
    std::memcpy(t.data_.get(), recs_.data(), recs_.size() * sizeof(NodeRec));
    std::memcpy(t.data_.get() + recs_.size() * sizeof(NodeRec), strings_.data(), strings_.size());
  }
  clear();
  return t;
}

Node TreeBuilder::peek() const {
  if (recs_.empty()) {
    return {};
  }
  return Node(recs_.data(), strings_.data(), 0);
}

void TreeBuilder::clear() {
  recs_.clear();
  strings_.clear();
  open_.clear();
}

void TreeBuilder::copy(Node node) {
  switch (node.type()) {
    case NodeType::Object:
      begin_object();
      for (const Member& m : node.items()) {
        key(m.key);
        copy(m.value);
      }
      end();
      return;
    case NodeType::Array:
      begin_array();
      for (Node v : node) {
        copy(v);
      }
      end();
      return;
    case NodeType::String: string(node.str()); return;
    case NodeType::Bool: boolean(node.boolean()); return;
    case NodeType::Int: integer(node.integer()); return;
    case NodeType::Uint: unsigned_integer(node.get<std::uint64_t>()); return;
    case NodeType::Float: number(node.number()); return;
    case NodeType::Null: null_value(); return;
  }
}

}  // namespace grpcmesh::check
