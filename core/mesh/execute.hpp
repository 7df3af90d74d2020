#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kube/apply.hpp"
#include "core/kube/client.hpp"
#include "core/kube/printer.hpp"
#include "core/mesh/change_set.hpp"
#include "core/util/streams.hpp"

namespace grpcmesh::mesh {

// What happened to one object.
struct Outcome {
  std::string name_ref;  // kubectl's kind.group/name
  std::string namespace_name;
  std::string action;  // created, configured, unchanged, deleted, released
  nlohmann::json object;  // as returned by the server (or as planned, for --dry-run=client)
};

// Runs a change set: the shared apply/remove plumbing of every command that
// changes live resources. With --dry-run=client nothing is sent (`client`
// may be null) and the planned objects are printed. Otherwise every change is
// first sent as a server dry run, so a refused object (conflict, invalid,
// forbidden) stops the command before anything changes; then the changes are
// made. Prints like `kubectl apply` on stdout (-o yaml|json|name prints the
// objects instead) and the summary on stderr. Throws grpcmesh::Error on the
// first failure; returns the outcomes otherwise.
std::vector<Outcome> execute(kube::Client* client, const ChangeSet& changes, const kube::ApplyOptions& apply,
                             const kube::PrintOptions& print, Streams& streams);

}  // namespace grpcmesh::mesh
