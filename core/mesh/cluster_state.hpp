#pragma once
// Where the commands that change resources read the current state from: the
// live cluster, or manifests (core/mesh/local_state.hpp). The fact readers
// (*_facts.cpp, cluster_read, stream/gateway_read) read through this
// interface only, so the planners see the same facts either way.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/kube/client.hpp"
#include "core/kube/resource.hpp"

namespace grpcmesh::mesh {

class ClusterState {
 public:
  virtual ~ClusterState() = default;

  // The Istio networking API version objects are written at:
  // "networking.istio.io/v1" or ".../v1beta1". Throws grpcmesh::Error when
  // Istio is not there.
  virtual std::string istio_api_version() = 0;
  // Is `kind` served at `version` (e.g. the Gateway API's Gateway at v1)? The
  // files serve it when they hold an object of that group and version.
  virtual bool serves(const kube::GroupKind& kind, const std::string& version) = 0;
  // Every object of a kind (in one namespace unless it is empty) matching
  // the options' equality label selector; a 403 is `forbidden`.
  virtual kube::ListResult list(const kube::GroupKind& kind, const kube::ListOptions& options) = 0;
  // One object, or nothing when there is none.
  virtual std::optional<nlohmann::json> get(const kube::GroupKind& kind, const std::string& namespace_name,
                                            const std::string& name) = 0;
  // Does the state hold the facts of this kind at all? A cluster always does;
  // manifests only for the kinds they contain and the Istio networking kinds
  // (a repository without VirtualServices has none).
  virtual bool knows(const kube::GroupKind& kind) const = 0;
  // How a missing fact is supplied, for messages: "" for a cluster, "the
  // files" for manifests.
  virtual std::string source() const = 0;
};

// The live cluster through a client.
class LiveState final : public ClusterState {
 public:
  explicit LiveState(kube::Client& client) : client_(client) {}
  std::string istio_api_version() override;
  bool serves(const kube::GroupKind& kind, const std::string& version) override;
  kube::ListResult list(const kube::GroupKind& kind, const kube::ListOptions& options) override;
  std::optional<nlohmann::json> get(const kube::GroupKind& kind, const std::string& namespace_name,
                                    const std::string& name) override;
  bool knows(const kube::GroupKind&) const override { return true; }
  std::string source() const override { return ""; }
  kube::Client& client() { return client_; }

 private:
  kube::Client& client_;
};

}  // namespace grpcmesh::mesh
