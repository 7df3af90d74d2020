#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::yaml {

// One document of a multi-document YAML (or JSON) stream, with the line it
// starts on (1-based) so findings and errors can point at the file.
struct Document {
  nlohmann::json value;
  int line = 1;
};

// Receives the values of a YAML (or JSON) stream as the parser meets them,
// depth first, without a document tree in between: each document is
// begin_document, one value, end_document; an object is begin_object, then
// key + value pairs, then end_object. Scalars arrive already resolved the way
// kubectl resolves them (see parse_all). A handler may throw to stop.
class Handler {
 public:
  virtual ~Handler() = default;
  // `line` (1-based) is where the document's value starts.
  virtual void begin_document(int line) = 0;
  virtual void end_document() = 0;
  virtual void begin_object(int line) = 0;
  virtual void key(std::string_view key) = 0;
  virtual void end_object() = 0;
  virtual void begin_array() = 0;
  virtual void end_array() = 0;
  virtual void null_value() = 0;
  virtual void boolean(bool value) = 0;
  virtual void integer(std::int64_t value) = 0;
  virtual void unsigned_integer(std::uint64_t value) = 0;
  virtual void number(double value) = 0;
  virtual void string(std::string_view value) = 0;
};

// Streams `text` into `handler` (anchors and aliases are expanded). An empty
// document is reported as a null value. Throws grpcmesh::Error naming `source`
// and the line on malformed input. Reads a manifest stream as parse_all does.
void parse_events(std::string_view text, const std::string& source, Handler& handler);

// Streams one JSON text (an API server's response) into `handler` as one
// document starting on `line`. Throws grpcmesh::Error naming `source` when it
// is not JSON. Invalid UTF-8 in a string reads as Go's encoding/json reads it.
void parse_json_events(std::string_view text, const std::string& source, Handler& handler, int line = 1);

// Parses a YAML or JSON stream into JSON values the way kubectl does
// (sigs.k8s.io/yaml over go-yaml v2: YAML 1.1 scalars, where yes/no/on/off
// are booleans and ~ and null are null; tags; merge keys; map keys turned into
// strings; numbers as a JSON round trip leaves them). Empty documents are
// dropped. Throws grpcmesh::Error naming `source` and the line on malformed
// input and where kubectl fails: nesting deeper than 10,000 levels, excessive
// alias expansion, values JSON cannot hold, keys it cannot name. Invalid
// UTF-8 reads as kubectl reads a file: each ill-formed sequence is U+FFFD
// (after a UTF-8 byte order mark, where kubectl leaves the bytes alone, a
// JSON string reads them as Go's encoding/json does and YAML refuses them).
std::vector<Document> parse_all(std::string_view text, const std::string& source = "<input>");

// Parses exactly one document (an empty input is an empty object), as
// sigs.k8s.io/yaml reads a kubeconfig or a mesh config: as YAML, even where
// it is JSON, so invalid UTF-8 is refused.
nlohmann::json parse(std::string_view text, const std::string& source = "<input>");

// Renders JSON as YAML in kubectl's style: keys in order, two-space indent,
// sequence items at their parent's indent, strings quoted only when YAML
// would read them as something else.
std::string dump(const nlohmann::json& value);

// Renders several values as one multi-document stream separated by "---".
std::string dump_all(const std::vector<nlohmann::json>& values);

}  // namespace grpcmesh::yaml
