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

void ObjectPrinter::add(nlohmann::json object) {
  ++count_;
  if (options_.format == OutputFormat::Name) {
    out_ << name_ref(object) << '\n';
    return;
  }
  if (count_ == 1) {
    first_ = std::move(object);
    return;
  }
  if (count_ == 2) {
    out_ << (options_.format == OutputFormat::Json ? "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"
                                                   : "apiVersion: v1\nitems:\n");
    write_item(first_);
    first_ = nullptr;
  }
  write_item(object);
}

void ObjectPrinter::write_item(const nlohmann::json& object) {
  nlohmann::json shown = prepare_for_output(object, options_);
  bool json_out = options_.format == OutputFormat::Json;
  std::string text = json_out ? shown.dump(4) : yaml::dump(shown);
  if (json_out && written_ > 0) {
    out_ << ",\n";
  }
  ++written_;
  size_t line_start = 0;
  bool first_line = true;
  while (line_start < text.size()) {
    size_t nl = text.find('\n', line_start);
    std::string_view line(text.data() + line_start, (nl == std::string::npos ? text.size() : nl) - line_start);
    if (json_out) {
      out_ << (first_line ? "" : "\n") << "        " << line;
    } else {
      out_ << (first_line ? "- " : "  ") << line << '\n';
    }
    first_line = false;
    line_start = nl == std::string::npos ? text.size() : nl + 1;
  }
}

void ObjectPrinter::finish() {
  if (options_.format == OutputFormat::Name) {
    return;
  }
  bool json_out = options_.format == OutputFormat::Json;
  if (count_ <= 1) {
    nlohmann::json doc = count_ == 1 ? prepare_for_output(first_, options_)
                                     : nlohmann::json{{"apiVersion", "v1"},
                                                      {"items", nlohmann::json::array()},
                                                      {"kind", "List"},
                                                      {"metadata", {{"resourceVersion", ""}}}};
    out_ << (json_out ? doc.dump(4) + "\n" : yaml::dump(doc));
    return;
  }
  if (json_out) {
    out_ << "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
  } else {
    out_ << yaml::dump(nlohmann::json{{"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}});
  }
}

void print_objects(std::ostream& out, const std::vector<nlohmann::json>& objects, const PrintOptions& options) {
  ObjectPrinter printer(out, options);
  for (const auto& o : objects) {
    printer.add(o);
  }
  printer.finish();
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
