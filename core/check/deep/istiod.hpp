#pragma once

// Where istiod's debug endpoints are reached, the way istioctl reaches them:
// the Running pods labelled app=istiod (and istio.io/rev=REVISION when a
// revision is given) in the Istio namespace, each on its monitoring port (the
// pod's prometheus.io/port annotation, else 15014), here through the API
// server's pod proxy subresource; or one istiod at an address given directly.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/kube/client.hpp"

namespace grpcmesh::check::deep {

struct IstiodOptions {
  std::string istio_namespace = "istio-system";  // --istio-namespace
  std::string revision;                          // --revision ("" = any)
  std::string address;                           // --istiod-address HOST:PORT ("" = through the API server)
  // With `address`: a descriptor whose becoming readable ends the requests
  // in flight (-1: none); what a Fetch given up on uses to end its thread.
  int cancel_fd = -1;
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

  struct Get {
    size_t instance = 0;
    std::string path;
  };
  // GETs each path from its instance, concurrently where the connection
  // allows, handing each response to `on_response` (the index in `gets`) as
  // it arrives, so that only the responses in flight are held. The same
  // failures as get(). This default asks one after the other.
  virtual void get_each(const std::vector<Get>& gets, const std::function<void(size_t, kube::Response&&)>& on_response);

  // What the source's own connection logged (warnings; requests at -v=6),
  // for the caller to show; "" for a source on the caller's client.
  virtual std::string take_log() { return {}; }
};

// Finds istiod through the API server (pods in options.istio_namespace) or,
// with options.address, at that address over plain HTTP. Throws Error with
// one line when there is no istiod to ask (none running, an unknown revision,
// RBAC refusing the pod list).
std::unique_ptr<IstiodSource> connect_istiod(kube::Client& client, const IstiodOptions& options);

// The same, on a connection of the source's own (a new kube::Client from
// `config` when istiod is reached through the API server), so that it can be
// used on another thread while the caller's client lists objects. Nothing
// when that would authenticate a second time in a way the user may see or
// that writes the kubeconfig back (an exec plugin, an auth-provider): use
// connect_istiod on the caller's client then.
std::unique_ptr<IstiodSource> connect_istiod_apart(const kube::RestConfig& config, const IstiodOptions& options);
// Whether connect_istiod_apart can connect for `config` and `options`.
bool can_connect_apart(const kube::RestConfig& config, const IstiodOptions& options);

}  // namespace grpcmesh::check::deep
