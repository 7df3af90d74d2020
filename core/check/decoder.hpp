#pragma once

// From parse events to snapshot objects, for files and the cluster alike:
// each document (or each item of a List, or of a page the API server sends)
// is built as a small tree while it is parsed, reduced to what analyzers read
// (metadata name, namespace and labels; spec; a Service's load balancer
// status; an EndpointSlice's endpoints; for a Secret, a summary of its
// certificate instead of its data) and added to the snapshot. No whole
// document, file or page is ever held as a JSON tree.

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/check/snapshot.hpp"
#include "core/check/tree.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::check {

struct TlsCredential;

// Turns decoded objects into snapshot entries.
class Decoder {
 public:
  Decoder(Snapshot& snapshot, std::string default_namespace);
  // Decodes into `staged` instead, for a thread that must not touch the
  // snapshot.
  Decoder(StagedObjects& staged, std::string default_namespace);

  // Adds one object (a List's items one by one). Throws grpcmesh::Error naming
  // `origin` when it is not an object or lacks apiVersion or kind. When
  // `api_version`/`kind` are given they stand for the object's own (the
  // items of a list page carry none). Returns the number of objects added.
  size_t add(Node object, const Origin& origin, std::string_view api_version = {},
             std::string_view kind = {});

 private:
  std::shared_ptr<const TlsCredential> credential(Node secret);

  void keep(Resource r, bool rejected);
  void ignore(IgnoredObject o);

  Snapshot* snapshot_ = nullptr;      // one of these two
  StagedObjects* staged_ = nullptr;
  std::string default_namespace_;
  TreeBuilder builder_;
  std::string path_;
  // Certificate summaries by a digest of the Secret data they were read from:
  // Secrets holding the same certificate are parsed once.
  std::map<std::array<unsigned char, 32>, std::shared_ptr<const TlsCredential>> credentials_;
};

// Receives parse events (yaml::parse_events, or the JSON pages of a list
// call through `feed_json`) and hands each document to the Decoder. The items
// of a List are built and decoded one at a time as they are parsed.
class ObjectReader final : public yaml::Handler {
 public:
  // `source` names the input in origins ("file.yaml" -> "file.yaml:12");
  // empty for the cluster, whose objects have no origin.
  ObjectReader(Decoder& decoder, std::string source);

  // For list pages: the apiVersion and kind of the items (they carry none).
  void set_item_type(std::string api_version, std::string kind);
  // Parses one JSON text (a list page) into the decoder. Throws
  // grpcmesh::Error when it is not JSON.
  void feed_json(std::string_view text);

  // Objects added so far.
  size_t objects() const { return objects_; }
  // The last document without its items (a list page: its metadata.continue).
  const Tree& last_document() const { return last_; }

  void begin_document(int line) override;
  void end_document() override;
  void begin_object(int line) override;
  void key(std::string_view key) override;
  void end_object() override;
  void begin_array() override;
  void end_array() override;
  void null_value() override;
  void boolean(bool value) override;
  void integer(std::int64_t value) override;
  void unsigned_integer(std::uint64_t value) override;
  void number(double value) override;
  void string(std::string_view value) override;

 private:
  // A decoded item of a List, kept until the document's kind says it is one.
  struct Pending {
    Tree object;
    int line;
  };

  TreeBuilder& target() { return item_active_ ? item_ : doc_; }
  // Before a value: false when it is being skipped.
  bool accept_value();
  void after_value();
  void open();
  void close();
  Origin origin(int line) const { return {source_, line}; }

  Decoder& decoder_;
  std::shared_ptr<const std::string> source_;  // null for the cluster
  std::string item_api_version_;
  std::string item_kind_;

  TreeBuilder doc_;
  TreeBuilder item_;
  int doc_line_ = 1;
  int item_line_ = 1;
  int level_ = 0;             // open objects/arrays of the document
  bool items_open_ = false;   // inside the document's top-level "items" array
  bool items_seen_ = false;
  bool item_active_ = false;  // building an item
  bool expect_items_ = false; // the last top-level key was "items"
  int skip_ = 0;              // >0: inside a skipped value, at this many levels
  bool skip_pending_ = false; // the next value is skipped
  std::string doc_kind_;      // the document's kind, once its key has been seen
  std::string item_kind_seen_;
  std::string key1_;          // the current key at the object's first level
  bool descend1_ = false;     // its members are judged one by one
  bool want_kind_ = false;    // the next string is the kind
  std::vector<Pending> pending_;
  Tree last_;
  size_t objects_ = 0;
};

}  // namespace grpcmesh::check
