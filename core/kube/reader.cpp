#include "core/kube/reader.hpp"

#include <fmt/format.h>

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

// Secret values are dropped from everything the generic reader returns.
void strip_secret_values(json& object) {
  for (const char* field : {"data", "stringData"}) {
    if (object.contains(field) && object[field].is_object()) {
      for (auto& [key, value] : object[field].items()) {
        value = "";
      }
    }
  }
  if (object.contains("metadata") && object["metadata"].contains("annotations") &&
      object["metadata"]["annotations"].is_object()) {
    object["metadata"]["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
  }
}

bool is_secret(const GroupKind& kind) { return kind == kinds::kSecret; }

}  // namespace

Listed<json> Reader::list_raw(const GroupKind& kind, const ListOptions& options) {
  Listed<json> out;
  auto resource = client_.find(kind);
  if (!resource) {
    out.not_installed = true;
    out.message = fmt::format("the server does not serve {}{}", kind.kind,
                              kind.group.empty() ? "" : " (" + kind.group + ")");
    return out;
  }
  ListResult listed = client_.list(*resource, options);
  out.forbidden = listed.forbidden;
  out.message = std::move(listed.message);
  out.items = std::move(listed.items);
  if (is_secret(kind)) {
    for (auto& item : out.items) {
      strip_secret_values(item);
    }
  }
  return out;
}

std::optional<json> Reader::get_raw(const GroupKind& kind, const std::string& namespace_name, const std::string& name) {
  auto resource = client_.find(kind);
  if (!resource) {
    return std::nullopt;
  }
  auto object = client_.get(*resource, namespace_name, name);
  if (object && is_secret(kind)) {
    strip_secret_values(*object);
  }
  return object;
}

std::optional<SecretView> Reader::secret(const std::string& namespace_name, const std::string& name, bool with_data) {
  auto resource = client_.find(kinds::kSecret);
  if (!resource) {
    return std::nullopt;
  }
  auto object = client_.get(*resource, namespace_name, name);
  if (!object) {
    return std::nullopt;
  }
  if (!with_data) {
    strip_secret_values(*object);
  }
  return SecretView::from(*object);
}

}  // namespace grpcmesh::kube
