#include "core/kube/printer.hpp"

#include <algorithm>
#include <cctype>
#include <ostream>

#include "core/kube/resource.hpp"
#include "core/util/error.hpp"
#include "core/util/yaml.hpp"

namespace grpcmesh::kube {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string suffix_for(DryRun dry_run) {
  switch (dry_run) {
    case DryRun::Client:
      return " (dry run)";
    case DryRun::Server:
      return " (server dry run)";
    case DryRun::None:
      break;
  }
  return "";
}

}  // namespace

OutputFormat parse_output_format(const std::string& value) {
  if (value.empty()) {
    return OutputFormat::Default;
  }
  if (value == "yaml") {
    return OutputFormat::Yaml;
  }
  if (value == "json") {
    return OutputFormat::Json;
  }
  if (value == "name") {
    return OutputFormat::Name;
  }
  throw UsageError("unable to match a printer suitable for the output format \"" + value +
                   "\", allowed formats are: json,name,yaml");
}

std::string name_ref(const nlohmann::json& object) {
  std::string kind = lower(object.value("kind", std::string{}));
  auto [group, version] = split_api_version(object.value("apiVersion", std::string{}));
  std::string name;
  if (object.contains("metadata") && object["metadata"].is_object()) {
    name = object["metadata"].value("name", std::string{});
  }
  return group.empty() ? kind + "/" + name : kind + "." + group + "/" + name;
}

nlohmann::json prepare_for_output(nlohmann::json object, const PrintOptions& options) {
  if (!object.is_object()) {
    return object;
  }
  if (!options.show_managed_fields && object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  if (!options.show_secret_data && object.value("kind", std::string{}) == "Secret" &&
      object.value("apiVersion", std::string{}) == "v1") {
    for (const char* field : {"data", "stringData"}) {
      if (object.contains(field) && object[field].is_object()) {
        for (auto& [key, value] : object[field].items()) {
          value = "REDACTED";
        }
      }
    }
    // The last-applied annotation would repeat the data in clear.
    if (object.contains("metadata") && object["metadata"].contains("annotations") &&
        object["metadata"]["annotations"].is_object()) {
      object["metadata"]["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
    }
  }
  return object;
}

void print_objects(std::ostream& out, const std::vector<nlohmann::json>& objects, const PrintOptions& options) {
  if (options.format == OutputFormat::Name) {
    for (const auto& o : objects) {
      out << name_ref(o) << '\n';
    }
    return;
  }
  nlohmann::json doc;
  if (objects.size() == 1) {
    doc = prepare_for_output(objects.front(), options);
  } else {
    doc = {{"apiVersion", "v1"}, {"items", nlohmann::json::array()}, {"kind", "List"},
           {"metadata", {{"resourceVersion", ""}}}};
    for (const auto& o : objects) {
      doc["items"].push_back(prepare_for_output(o, options));
    }
  }
  if (options.format == OutputFormat::Json) {
    out << doc.dump(4) << '\n';
  } else {
    out << yaml::dump(doc);
  }
}

int print_apply_report(std::ostream& out, std::ostream& err, const ApplyReport& report, const PrintOptions& options) {
  std::vector<nlohmann::json> done;
  for (const auto& r : report.results) {
    if (r.action == ApplyAction::Failed || r.action == ApplyAction::NotApplied) {
      continue;
    }
    if (options.format == OutputFormat::Default) {
      out << r.name_ref << ' ' << to_string(r.action) << suffix_for(report.dry_run) << '\n';
    } else {
      done.push_back(r.object);
    }
  }
  if (!done.empty()) {
    print_objects(out, done, options);
  }
  if (report.ok()) {
    return kExitOk;
  }
  for (const auto& r : report.results) {
    if (r.action == ApplyAction::Failed) {
      err << "error: " << r.error << '\n';
    }
  }
  for (const auto& r : report.results) {
    if (r.action == ApplyAction::NotApplied) {
      err << "not applied: " << r.name_ref << '\n';
    }
  }
  return kExitFailure;
}

}  // namespace grpcmesh::kube
