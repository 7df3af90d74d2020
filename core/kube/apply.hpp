#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/kube/client.hpp"

namespace grpcmesh::kube {

enum class DryRun { None, Client, Server };

// How objects are applied (server-side apply).
struct ApplyOptions {
  std::string field_manager = "kubectl-grpcmesh";
  bool force_conflicts = false;
  DryRun dry_run = DryRun::None;
  // Whether each result keeps the object the server returned (needed only to
  // print the objects, as with -o yaml|json).
  bool keep_objects = true;
};

enum class ApplyAction {
  Created,     // did not exist before
  Configured,  // existed and changed
  Unchanged,   // existed and the apply changed nothing
  Failed,      // the server refused it (see `error`)
  NotApplied,  // skipped because an earlier object failed
};

std::string to_string(ApplyAction action);  // "created", "configured", ...

struct ApplyResult {
  nlohmann::json object;  // as the server returned it (or as sent, for --dry-run=client / not applied)
  std::string name_ref;   // kubectl's `kind.group/name` (e.g. "service/x")
  std::string namespace_name;
  ApplyAction action = ApplyAction::NotApplied;
  std::string error;  // rendered like kubectl when Failed
};

struct ApplyReport {
  std::vector<ApplyResult> results;  // in the order applied
  DryRun dry_run = DryRun::None;
  bool ok() const;
};

// Sorts objects into dependency order: namespaces, secrets (and config maps),
// services, gateways, routes, filters, then everything else; stable otherwise.
std::vector<nlohmann::json> order_for_apply(std::vector<nlohmann::json> objects);

// What the comparison of an object before and after an apply looks at: the
// object without the fields the server rewrites on every write
// (managedFields, resourceVersion), serialised. Keeping this instead of the
// object keeps an apply's memory small.
std::string apply_fingerprint(const nlohmann::json& object);

// Created / configured / unchanged from the HTTP status of the apply, the
// fingerprint of the object before (nothing = did not exist) and the object
// after.
ApplyAction classify_apply(long http_status, const std::optional<std::string>& before, const nlohmann::json& after);

// Applies the objects in dependency order with server-side apply (PATCH
// application/apply-patch+yaml, JSON body, fieldManager, force, dryRun=All,
// fieldValidation=Strict). Objects without a namespace get the client's
// namespace when namespaced. Stops at the first failure: that object is
// Failed, the rest NotApplied. Throws Error only for invalid input (an object
// without apiVersion/kind/name, an unknown kind) before anything is applied.
ApplyReport apply(Client& client, std::vector<nlohmann::json> objects, const ApplyOptions& options);

}  // namespace grpcmesh::kube
