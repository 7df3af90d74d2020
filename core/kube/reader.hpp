#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/kube/client.hpp"
#include "core/kube/views.hpp"

namespace grpcmesh::kube {

// A list of typed views, or the typed refusal (403) or absence (the kind is
// not installed, e.g. no Gateway API CRDs) the caller can degrade on.
template <typename View>
struct Listed {
  std::vector<View> items;
  bool forbidden = false;      // 403: `message` says who cannot list what
  bool not_installed = false;  // the API group/kind is not served
  std::string message;
};

// Read-only access to the cluster through typed views. Istio networking kinds
// are read at the version discovery prefers (v1 where served, else v1beta1;
// EnvoyFilter v1alpha3).
class Reader {
 public:
  explicit Reader(Client& client) : client_(client) {}

  template <typename View>
  Listed<View> list(const ListOptions& options = {});

  template <typename View>
  std::optional<View> get(const std::string& namespace_name, const std::string& name);

  // A Secret; its values are dropped unless `with_data` (keys stay visible).
  std::optional<SecretView> secret(const std::string& namespace_name, const std::string& name, bool with_data);

 private:
  Listed<nlohmann::json> list_raw(const GroupKind& kind, const ListOptions& options);
  std::optional<nlohmann::json> get_raw(const GroupKind& kind, const std::string& namespace_name,
                                        const std::string& name);
  Client& client_;
};

template <typename View>
Listed<View> Reader::list(const ListOptions& options) {
  Listed<nlohmann::json> raw = list_raw(View::kind(), options);
  Listed<View> out;
  out.forbidden = raw.forbidden;
  out.not_installed = raw.not_installed;
  out.message = raw.message;
  out.items.reserve(raw.items.size());
  for (const auto& item : raw.items) {
    out.items.push_back(View::from(item));
  }
  return out;
}

template <typename View>
std::optional<View> Reader::get(const std::string& namespace_name, const std::string& name) {
  auto raw = get_raw(View::kind(), namespace_name, name);
  if (!raw) {
    return std::nullopt;
  }
  return View::from(*raw);
}

}  // namespace grpcmesh::kube
