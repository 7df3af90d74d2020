#pragma once

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

// Parses a YAML or JSON stream into JSON values the way kubectl does
// (sigs.k8s.io/yaml over YAML 1.1 scalars: yes/no/on/off are booleans, ~ and
// null are null). Empty documents are dropped. Throws grpcmesh::Error naming
// `source` and the line on malformed input.
std::vector<Document> parse_all(std::string_view text, const std::string& source = "<input>");

// Parses exactly one document (an empty input is an empty object).
nlohmann::json parse(std::string_view text, const std::string& source = "<input>");

// Renders JSON as YAML in kubectl's style: keys in order, two-space indent,
// sequence items at their parent's indent, strings quoted only when YAML
// would read them as something else.
std::string dump(const nlohmann::json& value);

// Renders several values as one multi-document stream separated by "---".
std::string dump_all(const std::vector<nlohmann::json>& values);

}  // namespace grpcmesh::yaml
