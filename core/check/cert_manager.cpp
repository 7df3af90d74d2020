#include "core/check/cert_manager.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace grpcmesh::check {

std::vector<const Resource*> certificates_writing(const Context& ctx, const std::string& ns,
                                                  const std::string& secret) {
  std::vector<const Resource*> out;
  for (const Resource& c : ctx.list(Kind::Certificate)) {
    if ((ns.empty() || c.namespace_name == ns) && c.spec()["secretName"].str() == secret) {
      out.push_back(&c);
    }
  }
  std::sort(out.begin(), out.end(), [](const Resource* a, const Resource* b) {
    return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
  });
  return out;
}

std::optional<std::string> condition_text(Node object, std::string_view type, std::string* status) {
  for (Node c : object["status"]["conditions"]) {
    if (c["type"].str() != type) {
      continue;
    }
    if (status != nullptr) {
      *status = std::string(c["status"].str());
    }
    const std::string reason(c["reason"].str());
    const std::string message(c["message"].str());
    if (reason.empty()) return message;
    if (message.empty()) return reason;
    return reason + ": " + message;
  }
  return std::nullopt;
}

CertificateStatus certificate_status(const Context& ctx, const Resource& cert) {
  CertificateStatus s;
  std::string status;
  const auto ready = condition_text(cert.root(), "Ready", &status);
  if (ready && status == "True") {
    s.ready = true;
    return s;
  }
  std::vector<std::string> parts;
  if (ready) parts.push_back(*ready);
  std::string issuing_status;
  if (const auto issuing = condition_text(cert.root(), "Issuing", &issuing_status)) {
    if (issuing_status == "False" && issuing->starts_with("Failed")) s.failed = true;
    if (!ready || *issuing != *ready) parts.push_back("Issuing " + issuing_status + ": " + *issuing);
  }
  // The newest CertificateRequest of this Certificate says why it waits or failed.
  const Resource* newest = nullptr;
  for (const Resource& r : ctx.list(Kind::CertificateRequest)) {
    if (r.namespace_name != cert.namespace_name) continue;
    for (Node owner : r.root()["metadata"]["ownerReferences"]) {
      if (owner["kind"].str() == "Certificate" && owner["name"].str() == cert.name &&
          (newest == nullptr || r.root()["metadata"]["creationTimestamp"].str() >=
                                    newest->root()["metadata"]["creationTimestamp"].str())) {
        newest = &r;
      }
    }
  }
  if (newest != nullptr) {
    std::string denied;
    std::string request_status;
    if (const auto d = condition_text(newest->root(), "Denied", &denied); d && denied == "True") {
      s.failed = true;
      parts.push_back("CertificateRequest " + newest->name + " denied: " + *d);
    } else if (const auto r = condition_text(newest->root(), "Ready", &request_status); r && request_status != "True") {
      if (r->starts_with("Failed")) s.failed = true;
      parts.push_back("CertificateRequest " + newest->name + " " + *r);
    }
  }
  s.reason = parts.empty() ? "cert-manager has not reported on it (is its controller running?)"
                           : fmt::format("{}", fmt::join(parts, "; "));
  return s;
}

IssuerLookup issuer_of(const Context& ctx, const Resource& cert) {
  IssuerLookup l;
  const Node ref = cert.spec()["issuerRef"];
  l.name = std::string(ref["name"].str());
  l.kind = ref["kind"].str().empty() ? "Issuer" : std::string(ref["kind"].str());
  const std::string group(ref["group"].str());
  if (!group.empty() && group != "cert-manager.io") {
    l.external = true;  // an external issuer (its own controller and kinds)
    return l;
  }
  if (l.kind == "ClusterIssuer") {
    l.ref = "ClusterIssuer " + l.name;
    l.describe = "clusterissuer " + l.name;
    l.issuer = ctx.find(Kind::ClusterIssuer, "", l.name);
  } else {
    l.ref = "Issuer " + cert.namespace_name + "/" + l.name;
    l.describe = "issuer " + l.name + " -n " + cert.namespace_name;
    l.issuer = ctx.find(Kind::Issuer, cert.namespace_name, l.name);
    if (l.issuer == nullptr) {
      for (const Resource& i : ctx.list(Kind::Issuer)) {
        if (i.name == l.name) l.elsewhere.push_back(i.namespace_name);
      }
    }
  }
  if (l.issuer != nullptr) {
    std::string status;
    const auto ready = condition_text(l.issuer->root(), "Ready", &status);
    l.ready = ready && status == "True";
    l.reason = ready ? *ready : "cert-manager has not reported on it";
  }
  return l;
}

std::vector<std::string> plain_hosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> out;
  for (const std::string& h : hosts) {
    const auto slash = h.find('/');
    std::string host = slash == std::string::npos ? h : h.substr(slash + 1);
    if (!host.empty() && host != "*") out.push_back(host);
  }
  return out;
}

}  // namespace grpcmesh::check
