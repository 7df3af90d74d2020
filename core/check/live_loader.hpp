#pragma once

#include "core/check/check.hpp"
#include "core/kube/client.hpp"

namespace grpcmesh::check {

// Reads every kind check analyses from the cluster into the snapshot: across
// all namespaces with -A; otherwise from the namespace, plus the namespaces
// its routes reach into (their Gateways' and Services' namespaces) and
// istio-system, where the ingress gateway workload usually runs. A kind the
// server refuses (403) or does not serve is marked unreadable with the
// server's reason. Transport failures (unreachable server, TLS) throw
// grpcmesh::Error: never a silent fall-back to files.
void load_live(Snapshot& snapshot, kube::Client& client, const Options& options);

}  // namespace grpcmesh::check
