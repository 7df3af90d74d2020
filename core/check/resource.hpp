#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace grpcmesh::check {

// The kinds `check` understands. Everything else in the input is ignored with
// an info message.
enum class Kind {
  Service,
  EndpointSlice,
  Pod,
  Secret,
  Gateway,
  VirtualService,
  DestinationRule,
  EnvoyFilter,
};

// How a kind is addressed: its API group and the versions the API serves.
struct KindInfo {
  Kind kind;
  std::string_view name;      // "VirtualService"
  std::string_view group;     // "" for the core group
  std::string_view resource;  // plural, as in the REST path
  std::span<const std::string_view> versions;  // newest first
};

std::span<const KindInfo> known_kinds();
const KindInfo& info(Kind kind);
std::string_view kind_name(Kind kind);
// Looks a kind up by its name alone ("Gateway" -> Istio's Gateway).
std::optional<Kind> kind_by_name(std::string_view name);

// "Kind namespace/name" address of an object, used in findings.
struct ResourceRef {
  std::string kind;
  std::string namespace_name;
  std::string name;
  bool operator==(const ResourceRef&) const = default;
  auto operator<=>(const ResourceRef&) const = default;
};

// One object of the snapshot, as JSON, with where it came from.
struct Resource {
  Kind kind;
  std::string api_version;
  std::string namespace_name;
  std::string name;
  nlohmann::json object;
  std::string origin;  // "file.yaml:12" for files, empty for the cluster

  ResourceRef ref() const { return {std::string(kind_name(kind)), namespace_name, name}; }
  const nlohmann::json& spec() const;
  const nlohmann::json& labels() const;
};

// Safe JSON access: the value at `key` or a shared null/empty value.
const nlohmann::json& field(const nlohmann::json& object, std::string_view key);
std::string string_field(const nlohmann::json& object, std::string_view key);

}  // namespace grpcmesh::check
