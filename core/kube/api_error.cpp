#include "core/kube/api_error.hpp"

#include <fmt/format.h>

#include <map>

namespace grpcmesh::kube {
namespace {

using nlohmann::json;

json status_of(const Response& response) {
  try {
    json body = json::parse(response.body);
    if (body.is_object() && body.value("kind", std::string{}) == "Status") {
      return body;
    }
  } catch (const json::exception&) {
  }
  return nullptr;
}

std::string reason_for_code(long code) {
  static const std::map<long, std::string> kReasons = {
      {400, "BadRequest"},    {401, "Unauthorized"},      {403, "Forbidden"},         {404, "NotFound"},
      {405, "MethodNotAllowed"}, {406, "NotAcceptable"},  {409, "Conflict"},          {410, "Expired"},
      {413, "RequestEntityTooLarge"}, {415, "UnsupportedMediaType"}, {422, "Invalid"}, {429, "TooManyRequests"},
      {500, "InternalError"}, {503, "ServiceUnavailable"}, {504, "Timeout"},
  };
  auto it = kReasons.find(code);
  return it == kReasons.end() ? "" : it->second;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return s;
}

std::string object_label(const Request& request, const json& status) {
  std::string resource = request.resource;
  std::string name = request.name;
  if (status.is_object() && status.contains("details") && status["details"].is_object()) {
    const json& d = status["details"];
    if (name.empty()) {
      name = d.value("name", std::string{});
    }
  }
  std::string label = fmt::format("{} \"{}\"", resource, name);
  if (!request.namespace_name.empty()) {
    label += fmt::format(" in namespace \"{}\"", request.namespace_name);
  }
  return label;
}

std::vector<json> causes_of(const json& status) {
  std::vector<json> out;
  if (status.is_object() && status.contains("details") && status["details"].is_object() &&
      status["details"].contains("causes") && status["details"]["causes"].is_array()) {
    for (const auto& c : status["details"]["causes"]) {
      out.push_back(c);
    }
  }
  return out;
}

std::string render_conflict(const Request& request, const json& status, const std::vector<json>& causes) {
  std::string label = object_label(request, status);
  std::string out = fmt::format("Apply failed with {} conflict{} on {}:", causes.size(), causes.size() == 1 ? "" : "s",
                                label);
  for (const json& c : causes) {
    // The server says: message `conflict with "manager" using v1`, field `.spec.x`.
    std::string message = c.value("message", std::string{});
    std::string manager = message;
    auto q1 = message.find('"');
    auto q2 = q1 == std::string::npos ? std::string::npos : message.find('"', q1 + 1);
    std::string using_version;
    if (q2 != std::string::npos) {
      manager = message.substr(q1 + 1, q2 - q1 - 1);
      auto u = message.find("using ", q2);
      if (u != std::string::npos) {
        using_version = one_line(message.substr(u + 6));
      }
    }
    out += fmt::format("\n{}: field {} is managed by \"{}\"{}", label, c.value("field", std::string{"?"}), manager,
                       using_version.empty() ? "" : " (using " + using_version + ")");
  }
  out +=
      "\n* If you intend to manage all of these fields, re-run the command with --force-conflicts."
      "\n* If you do not intend to manage all of the fields, remove the fields that should keep their current "
      "managers from your manifest."
      "\n* You may co-own fields by setting them to the existing values; you become their only manager when the "
      "other managers stop managing them.";
  return out;
}

std::string render_invalid(const Request& request, const json& status, const std::vector<json>& causes) {
  std::string kind;
  std::string name = request.name;
  if (status.contains("details") && status["details"].is_object()) {
    kind = status["details"].value("kind", std::string{});
    if (name.empty()) {
      name = status["details"].value("name", std::string{});
    }
  }
  if (kind.empty()) {
    kind = request.resource;
  }
  std::string head = fmt::format("The {} \"{}\" is invalid:", kind, name);
  if (causes.empty()) {
    return head + " " + one_line(status.value("message", std::string{}));
  }
  if (causes.size() == 1) {
    const json& c = causes.front();
    std::string field = c.value("field", std::string{});
    return fmt::format("{} {}{}", head, field.empty() ? "" : field + ": ", one_line(c.value("message", std::string{})));
  }
  std::string out = head;
  for (const json& c : causes) {
    std::string field = c.value("field", std::string{});
    out += fmt::format("\n* {}{}", field.empty() ? "" : field + ": ", one_line(c.value("message", std::string{})));
  }
  return out;
}

}  // namespace

std::string status_reason(const Response& response) {
  json status = status_of(response);
  if (status.is_object()) {
    std::string reason = status.value("reason", std::string{});
    if (!reason.empty()) {
      return reason;
    }
  }
  return reason_for_code(response.status);
}

std::string render_api_error(const Response& response, const Request& request, const std::string& user) {
  json status = status_of(response);
  std::string reason = status_reason(response);
  std::string message = status.is_object() ? one_line(status.value("message", std::string{})) : "";
  std::vector<json> causes = causes_of(status);

  if (response.status == 401) {
    return fmt::format(
        "You must be logged in to the server (Unauthorized): the server rejected the credentials of {}; check the "
        "token or client certificate in the kubeconfig, or log in again",
        user.empty() ? "the current user" : "user \"" + user + "\"");
  }
  if (response.status == 403) {
    if (message.empty()) {
      message = fmt::format("cannot {} {}", request.verb.empty() ? request.method : request.verb, request.resource);
    }
    return fmt::format("Error from server (Forbidden): {}; ask a cluster administrator for this permission or use "
                       "another --context",
                       message);
  }
  if (response.status == 409 && !causes.empty() &&
      causes.front().value("reason", std::string{}) == "FieldManagerConflict") {
    return render_conflict(request, status, causes);
  }
  if (response.status == 422 || reason == "Invalid") {
    return render_invalid(request, status, causes);
  }
  if (!status.is_object()) {
    std::string body = one_line(response.body.substr(0, 200));
    return fmt::format("the server responded with the status code {} but did not return more information{}",
                       response.status, body.empty() ? "" : " (" + body + ")");
  }
  if (reason.empty()) {
    reason = "Unknown";
  }
  if (message.empty()) {
    message = fmt::format("an error on the server (\"{}\") has prevented the request from succeeding",
                          one_line(response.body.substr(0, 200)));
  }
  return fmt::format("Error from server ({}): {}", reason, message);
}

}  // namespace grpcmesh::kube
