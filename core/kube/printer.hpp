#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kube/apply.hpp"

namespace grpcmesh::kube {

enum class OutputFormat { Default, Yaml, Json, Name };

struct PrintOptions {
  OutputFormat format = OutputFormat::Default;
  bool show_managed_fields = false;  // --show-managed-fields
  bool show_secret_data = false;     // only when a command is explicitly asked
};

// Parses -o: "" (default), yaml, json, name. Throws UsageError otherwise.
OutputFormat parse_output_format(const std::string& value);

// kubectl's `-o name` form: "service/x", "virtualservice.networking.istio.io/x".
std::string name_ref(const nlohmann::json& object);

// The object as it should be shown: managedFields dropped unless asked,
// Secret data/stringData values replaced by "REDACTED" unless asked.
nlohmann::json prepare_for_output(nlohmann::json object, const PrintOptions& options);

// Prints objects like `kubectl get -o yaml|json|name`: one object as itself,
// several wrapped in a v1 List (json/yaml), one name per line (name).
// OutputFormat::Default is treated as yaml.
void print_objects(std::ostream& out, const std::vector<nlohmann::json>& objects, const PrintOptions& options);

// Prints objects one at a time, exactly as print_objects prints the whole set,
// so a long list never has to be held in memory: only the first object is
// held back until a second one shows a List is needed. Call finish() once.
class ObjectPrinter {
 public:
  ObjectPrinter(std::ostream& out, PrintOptions options) : out_(out), options_(options) {}
  void add(nlohmann::json object);
  void finish();
  size_t count() const { return count_; }

 private:
  void write_item(const nlohmann::json& object);
  std::ostream& out_;
  PrintOptions options_;
  nlohmann::json first_;
  size_t count_ = 0;
  size_t written_ = 0;
};

// Prints an apply report like `kubectl apply`: "service/x configured",
// "service/x created (server dry run)"; -o name prints names only; -o yaml|json
// prints the returned objects. Failures and not-applied objects are written to
// `err` ("error: ..." then "not applied: kind/name"). Returns the exit code (0 or 1).
int print_apply_report(std::ostream& out, std::ostream& err, const ApplyReport& report, const PrintOptions& options);

}  // namespace grpcmesh::kube
