#pragma once

// Where istiod's debug endpoints are reached, the way istioctl reaches them:
// the Running pods labelled app=istiod (and istio.io/rev=REVISION when a
// revision is given) in the Istio namespace, each on its monitoring port (the
// pod's prometheus.io/port annotation, else 15014), here through the API
// server's pod proxy subresource; or one istiod at an address given directly.

#include <memory>
#include <string>
#include <vector>

#include "core/kube/client.hpp"

namespace grpcmesh::check::deep {

struct IstiodOptions {
  std::string istio_namespace = "istio-system";  // --istio-namespace
  std::string revision;                          // --revision ("" = any)
  std::string address;                           // --istiod-address HOST:PORT ("" = through the API server)
};

class IstiodSource {
 public:
  virtual ~IstiodSource() = default;
  // The istiod instances answering (pod names, or the address).
  virtual const std::vector<std::string>& instances() const = 0;
  // GET `path` (e.g. "/debug/syncz") from each instance, concurrently; the
  // bodies in instances() order. A failure to reach one throws Error naming it.
  virtual std::vector<kube::Response> get_all(const std::string& path) = 0;
  // GET `path` from one instance.
  virtual kube::Response get(size_t instance, const std::string& path) = 0;
};

// Finds istiod through the API server (pods in options.istio_namespace) or,
// with options.address, at that address over plain HTTP. Throws Error with
// one line when there is no istiod to ask (none running, an unknown revision,
// RBAC refusing the pod list).
std::unique_ptr<IstiodSource> connect_istiod(kube::Client& client, const IstiodOptions& options);

}  // namespace grpcmesh::check::deep
