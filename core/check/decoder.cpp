#include "core/check/decoder.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "core/check/certificate.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::check {
namespace {

using Verdict = TreeBuilder::Verdict;

std::pair<std::string_view, std::string_view> split_api_version(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    return {"", api_version};
  }
  return {api_version.substr(0, slash), api_version.substr(slash + 1)};
}

// The one annotation check reads: a Service's exportTo (visibility.hpp).
constexpr std::string_view kExportToAnnotation = "metadata.annotations.networking.istio.io/exportTo";

// What names an object, needed while it is decoded (and the labels, the
// exportTo annotation and the creation time, which kept() narrows by kind).
Verdict naming(std::string_view path) {
  if (path == "apiVersion" || path == "kind" || path == "metadata.name" || path == "metadata.namespace" ||
      path == "metadata.labels" || path == kExportToAnnotation || path == "metadata.creationTimestamp" ||
      path == "metadata.ownerReferences" || path == "metadata.generation") {
    return Verdict::Keep;
  }
  return path == "metadata" || path == "metadata.annotations" ? Verdict::Descend : Verdict::Drop;
}

bool is_naming(std::string_view path) {
  return path == "apiVersion" || path == "kind" || path == "metadata" || path.starts_with("metadata.");
}

// What of an object of `kind` is kept: the fields analyzers read (its
// apiVersion, kind, name and namespace are in the Resource already; labels
// are read of Pods, which selectors pick, and EndpointSlices, which name
// their Service with one).
Verdict kept(Kind kind, std::string_view path) {
  if (is_naming(path)) {
    bool labelled = kind == Kind::Pod || kind == Kind::EndpointSlice;
    bool exported = kind == Kind::Service && (path == "metadata.annotations" || path == kExportToAnnotation);
    // Istio merges Gateways oldest first: the older of two conflicting
    // servers wins (gateway_conflict.cpp); and the routes of one listener
    // and host, oldest first (gatewayapi_route_overlap.cpp).
    bool created = (kind == Kind::Gateway || kind == Kind::KubeGateway || kind == Kind::GRPCRoute ||
                    kind == Kind::HTTPRoute) &&
                   path == "metadata.creationTimestamp";
    // A CertificateRequest names its Certificate as its owner.
    bool owned = kind == Kind::CertificateRequest &&
                 (path == "metadata.ownerReferences" || path == "metadata.creationTimestamp");
    // A Gateway API controller's status is current when its conditions'
    // observedGeneration is the object's (gatewayapi_status.cpp).
    bool generation = (kind == Kind::KubeGateway || kind == Kind::GRPCRoute || kind == Kind::HTTPRoute) &&
                      path == "metadata.generation";
    return path == "metadata" || (labelled && path == "metadata.labels") || exported || created || owned || generation
               ? naming(path)
               : Verdict::Drop;
  }
  switch (kind) {
    case Kind::Service:
      if (path == "spec.ports" || path == "spec.selector" || path == "spec.type" || path == "status.loadBalancer") {
        return Verdict::Keep;
      }
      return path == "status" || path == "spec" ? Verdict::Descend : Verdict::Drop;
    case Kind::EndpointSlice:
      return path == "endpoints" ? Verdict::Keep : Verdict::Drop;
    case Kind::Pod:
    case Kind::Secret:  // its certificate summary is kept instead of its data
      return Verdict::Drop;
    case Kind::Certificate:
    case Kind::CertificateRequest:
    case Kind::Issuer:
    case Kind::ClusterIssuer:  // cert-manager's verdict is in the status
      if (path == "spec" || path == "status.conditions" || path == "status.notAfter") {
        return Verdict::Keep;
      }
      return path == "status" ? Verdict::Descend : Verdict::Drop;
    case Kind::GatewayClass:
    case Kind::KubeGateway:
    case Kind::GRPCRoute:
    case Kind::HTTPRoute:  // the controller's verdict is in the status
      if (path == "spec" || path == "status.conditions" || path == "status.listeners" ||
          path == "status.addresses" || path == "status.parents") {
        return Verdict::Keep;
      }
      return path == "status" ? Verdict::Descend : Verdict::Drop;
    default:
      return path == "spec" ? Verdict::Keep : Verdict::Drop;
  }
}

// What is built while a document is parsed, knowing its kind or not yet
// (empty): never managedFields, annotations and the like; once the kind is
// known, only what kept() keeps (plus a Secret's data, for its summary). A
// List keeps its own fields (its metadata.continue); its items are built
// one by one.
Verdict built(std::string_view kind_name, std::string_view path) {
  if (kind_name.ends_with("List")) {
    return Verdict::Keep;
  }
  if (is_naming(path)) {
    return naming(path);
  }
  if (kind_name.empty()) {
    return Verdict::Keep;
  }
  std::optional<Kind> kind = kind_by_name(kind_name);
  if (!kind) {
    return Verdict::Drop;  // another kind: only what names it
  }
  if (*kind == Kind::Gateway) {
    // Istio's or the Gateway API's, as the group will say: what either keeps.
    Verdict istio = kept(Kind::Gateway, path);
    Verdict gateway_api = kept(Kind::KubeGateway, path);
    if (istio == Verdict::Keep || gateway_api == Verdict::Keep) {
      return Verdict::Keep;
    }
    return istio == Verdict::Descend || gateway_api == Verdict::Descend ? Verdict::Descend : Verdict::Drop;
  }
  if (*kind == Kind::Secret && (path == "data" || path == "stringData")) {
    return Verdict::Keep;
  }
  return kept(*kind, path);
}

}  // namespace

// --- Decoder ----------------------------------------------------------------------

Decoder::Decoder(Snapshot& snapshot, std::string default_namespace)
    : snapshot_(&snapshot), default_namespace_(std::move(default_namespace)) {}

Decoder::Decoder(StagedObjects& staged, std::string default_namespace)
    : staged_(&staged), default_namespace_(std::move(default_namespace)) {}

void Decoder::keep(Resource r, bool rejected) {
  if (staged_ != nullptr) {
    staged_->resources.push_back({std::move(r), rejected});
  } else if (rejected) {
    snapshot_->add_rejected(std::move(r));
  } else {
    snapshot_->add(std::move(r));
  }
}

void Decoder::ignore(IgnoredObject o) {
  if (staged_ != nullptr) {
    staged_->ignored.push_back(std::move(o));
  } else {
    snapshot_->add_ignored(std::move(o));
  }
}

std::shared_ptr<const TlsCredential> Decoder::credential(Node secret) {
  // Nearly every Secret is read from DER without libcrypto; the others are
  // read by OpenSSL once per distinct content, found by the digest of every
  // data and stringData entry, as written.
  if (auto quick = read_tls_secret_quickly(secret)) {
    return std::make_shared<const TlsCredential>(std::move(*quick));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  for (std::string_view field : {"data", "stringData"}) {
    EVP_DigestUpdate(md.get(), field.data(), field.size() + 1);  // (with its NUL: a separator)
    for (const Member& m : secret[field].items()) {
      std::string_view value = m.value.is_string() ? m.value.str() : std::string_view("\x01");
      std::uint32_t sizes[2] = {static_cast<std::uint32_t>(m.key.size()), static_cast<std::uint32_t>(value.size())};
      EVP_DigestUpdate(md.get(), sizes, sizeof sizes);
      EVP_DigestUpdate(md.get(), m.key.data(), m.key.size());
      EVP_DigestUpdate(md.get(), value.data(), value.size());
    }
  }
  std::array<unsigned char, 32> digest{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(md.get(), digest.data(), &n);
  auto& slot = credentials_[digest];
  if (!slot) {
    slot = std::make_shared<const TlsCredential>(read_tls_secret_with_openssl(secret));
  }
  return slot;
}

size_t Decoder::add(Node object, const Origin& origin, std::string_view api_version_given,
                    std::string_view kind_given) {
  if (!object.is_object()) {
    throw Error(fmt::format("{}: the document is not an object; each YAML document must be one Kubernetes object",
                            origin.str()));
  }
  std::string_view kind_text = kind_given.empty() ? object["kind"].str() : kind_given;
  std::string_view api_version = api_version_given.empty() ? object["apiVersion"].str() : api_version_given;
  if (kind_text.empty() || api_version.empty()) {
    throw Error(fmt::format("{}: the object has no {}; every object needs apiVersion and kind", origin.str(),
                            kind_text.empty() ? "kind" : "apiVersion"));
  }
  if (kind_text.ends_with("List") && object["items"].is_array()) {
    size_t n = 0;
    for (Node item : object["items"]) {
      n += add(item, origin);
    }
    return n;
  }
  auto [group, version] = split_api_version(api_version);
  if (group.empty() && version == "v1" && kind_text == "Namespace") {
    // A repository declares the namespaces it fills; that is all they say:
    // read, and nothing to report (a namespace holding nothing else is
    // still a place routes may point at, checked as any other).
    return 1;
  }
  Node metadata = object["metadata"];
  std::string name(metadata["name"].str());
  std::string ns(metadata["namespace"].str());
  if (cluster_scoped(group, kind_text)) {
    ns.clear();
  } else if (ns.empty()) {
    ns = default_namespace_;
  }
  std::optional<Kind> kind = kind_by_group_name(group, kind_text);
  if (!kind) {
    ignore({std::string(api_version), std::string(kind_text), ns, name, origin.str()});
    return 1;
  }
  path_.clear();
  builder_.copy(object, [k = *kind](std::string_view path) { return kept(k, path); }, path_);
  Resource r{*kind, intern_api_version(api_version), std::move(ns), std::move(name), builder_.finish(), origin};
  if (*kind == Kind::Secret) {
    r.credential = credential(object);
  }
  const KindInfo& ki = info(*kind);
  bool served = group == ki.group && std::find(ki.versions.begin(), ki.versions.end(), version) != ki.versions.end();
  keep(std::move(r), !served);
  return 1;
}

// --- ObjectReader -----------------------------------------------------------------

ObjectReader::ObjectReader(Decoder& decoder, std::string source)
    : decoder_(decoder),
      source_(source.empty() ? nullptr : std::make_shared<const std::string>(std::move(source))) {}

void ObjectReader::set_item_type(std::string api_version, std::string kind) {
  item_api_version_ = std::move(api_version);
  item_kind_ = std::move(kind);
}

void ObjectReader::begin_document(int line) {
  doc_.clear();
  item_.clear();
  doc_line_ = line;
  level_ = 0;
  items_open_ = items_seen_ = item_active_ = expect_items_ = skip_pending_ = want_kind_ = false;
  skip_ = 0;
  doc_kind_.clear();
  pending_.clear();
}

void ObjectReader::end_document() {
  Tree root = doc_.finish();
  Node r = root.root();
  bool is_list = r.is_object() && items_seen_ && r["kind"].str().ends_with("List");
  if (is_list) {
    if (r["apiVersion"].str().empty()) {
      throw Error(fmt::format("{}: the object has no apiVersion; every object needs apiVersion and kind",
                              origin(doc_line_).str()));
    }
    for (const Pending& p : pending_) {
      objects_ += decoder_.add(p.object.root(), origin(p.line));
    }
  } else if (!r.is_null()) {
    objects_ += decoder_.add(r, origin(doc_line_));
  }
  pending_.clear();
  last_ = std::move(root);
}

bool ObjectReader::accept_value() {
  if (skip_ > 0) {
    return false;
  }
  if (skip_pending_ || expect_items_) {
    skip_pending_ = expect_items_ = false;
    return false;
  }
  if (items_open_ && level_ == 2 && !item_active_) {
    // a scalar where an item should be: the List is malformed (decoded as one)
    item_active_ = true;
    item_line_ = doc_line_;
  }
  return true;
}

void ObjectReader::after_value() {
  want_kind_ = false;
  if (item_active_ && level_ == 2) {
    // an item is complete: decoded now when the document is known to be a
    // List (always for list pages), else kept until its kind is known
    Tree item = item_.finish();
    item_active_ = false;
    if (!item_kind_.empty()) {
      objects_ += decoder_.add(item.root(), origin(item_line_), item_api_version_, item_kind_);
    } else if (doc_kind_.ends_with("List")) {
      objects_ += decoder_.add(item.root(), origin(item_line_));
    } else {
      pending_.push_back({std::move(item), item_line_});
    }
  }
}

void ObjectReader::open() {
  ++level_;
  if (skip_ > 0) {
    ++skip_;
    return;
  }
  if (skip_pending_) {
    skip_pending_ = false;
    skip_ = 1;
  }
}

void ObjectReader::begin_object(int line) {
  want_kind_ = false;
  if (expect_items_) {
    expect_items_ = false;
    skip_pending_ = true;  // "items" that is not a list
  }
  if (items_open_ && level_ == 2 && !item_active_ && skip_ == 0 && !skip_pending_) {
    item_active_ = true;
    item_line_ = line;
    item_kind_seen_.clear();
  }
  open();
  if (skip_ == 0) {
    target().begin_object();
  }
}

void ObjectReader::begin_array() {
  want_kind_ = false;
  if (expect_items_ && skip_ == 0) {
    expect_items_ = false;
    items_open_ = items_seen_ = true;
    ++level_;
    return;
  }
  if (items_open_ && level_ == 2 && !item_active_ && skip_ == 0 && !skip_pending_) {
    item_active_ = true;
    item_line_ = doc_line_;
  }
  open();
  if (skip_ == 0) {
    target().begin_array();
  }
}

void ObjectReader::close() {
  --level_;
  if (skip_ > 0) {
    --skip_;
    return;
  }
  if (items_open_ && level_ == 1 && !item_active_) {
    items_open_ = false;  // the end of "items"
    return;
  }
  target().end();
  after_value();
}

void ObjectReader::end_object() { close(); }
void ObjectReader::end_array() { close(); }

void ObjectReader::key(std::string_view k) {
  if (skip_ > 0) {
    return;
  }
  int depth = item_active_ ? level_ - 2 : level_;
  const std::string& kind = item_active_ ? (item_kind_.empty() ? item_kind_seen_ : item_kind_) : doc_kind_;
  if (depth == 1) {
    key1_ = k;
    if (!item_active_ && k == "items") {
      expect_items_ = true;
      return;
    }
    want_kind_ = k == "kind";
    Verdict v = built(kind, k);
    descend1_ = v == Verdict::Descend;
    if (v == Verdict::Drop) {
      skip_pending_ = true;
      return;
    }
  } else if (depth == 2 && descend1_) {
    std::string path = key1_ + "." + std::string(k);
    if (built(kind, path) == Verdict::Drop) {
      skip_pending_ = true;
      return;
    }
  }
  target().key(k);
}

void ObjectReader::null_value() {
  if (accept_value()) {
    target().null_value();
    after_value();
  }
}

void ObjectReader::boolean(bool v) {
  if (accept_value()) {
    target().boolean(v);
    after_value();
  }
}

void ObjectReader::integer(std::int64_t v) {
  if (accept_value()) {
    target().integer(v);
    after_value();
  }
}

void ObjectReader::unsigned_integer(std::uint64_t v) {
  if (accept_value()) {
    target().unsigned_integer(v);
    after_value();
  }
}

void ObjectReader::number(double v) {
  if (accept_value()) {
    target().number(v);
    after_value();
  }
}

void ObjectReader::string(std::string_view v) {
  bool kind = want_kind_;
  if (accept_value()) {
    if (kind) {
      (item_active_ ? item_kind_seen_ : doc_kind_) = v;
    }
    target().string(v);
    after_value();
  }
}

void ObjectReader::feed_json(std::string_view text) { yaml::parse_json_events(text, "the API server's response", *this); }

}  // namespace grpcmesh::check
