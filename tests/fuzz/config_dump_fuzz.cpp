// libFuzzer target: istiod's config dump and /debug/syncz as check --deep
// reads them (core/check/deep/config_dump): streamed through the JSON reader,
// one listener, route configuration, cluster, secret or proxy at a time
// reduced from a compact tree. Each must end in a result or one
// grpcmesh::Error; and wherever nlohmann::json reads the same text too, the
// streamed reduction must equal the reduction of the whole document
// (reduce_config_dump, reduce_syncz: repeated keys counting once with their
// last value, as in a JSON object).
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/check/deep/config_dump.hpp"
#include "core/check/tree.hpp"
#include "core/util/error.hpp"

namespace {

namespace deep = grpcmesh::check::deep;

// How deeply the text nests (brackets outside strings): the whole-document
// reference recurses, so it only runs on shallow texts.
size_t nesting(std::string_view s) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void add(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += ';';
}

void add_optional(std::string& out, const std::optional<std::string>& s) {
  out += s ? "+" : "-";
  if (s) {
    add(out, *s);
  }
}

// Every field of a reduced dump, unambiguously.
std::string describe(const deep::ConfigDump& d) {
  std::string out;
  for (const auto& l : d.listeners) {
    out += "L";
    add(out, l.name);
    out += std::to_string(l.port);
    for (const auto& c : l.chains) {
      out += "C";
      add(out, c.name);
      for (const auto& n : c.server_names) {
        add(out, n);
      }
      out += c.tls ? "t" : "-";
      for (const auto& n : c.sds_secrets) {
        add(out, n);
      }
      out += c.http ? "h" : "-";
      add(out, c.route_config);
      for (const auto& n : c.http_filters) {
        add(out, n);
      }
      add_optional(out, c.stream_idle_timeout);
    }
  }
  for (const auto& [name, rc] : d.routes) {
    out += "R";
    add(out, name);
    add(out, rc.name);
    for (const auto& vh : rc.virtual_hosts) {
      out += "V";
      add(out, vh.name);
      out += vh.cors ? "c" : "-";
      for (const auto& n : vh.domains) {
        add(out, n);
      }
      for (const auto& r : vh.routes) {
        out += "r";
        for (const std::string* f : {&r.name, &r.prefix, &r.path, &r.cluster, &r.retry_on, &r.config}) {
          add(out, *f);
        }
        for (const auto& h : r.headers) {
          add(out, h);
        }
        out += r.regex ? "x" : "-";
        out += r.header_content_type ? "t" : "-";
        out += r.direct_response ? "d" : "-";
        out += r.cors ? "c" : "-";
        add_optional(out, r.timeout);
        add_optional(out, r.idle_timeout);
        out += r.retries ? std::to_string(*r.retries) : "none";
      }
    }
  }
  for (const auto& [name, c] : d.clusters) {
    out += "K";
    add(out, name);
    add(out, c.name);
    out += c.http2 ? "2" : "-";
    out += c.downstream_protocol ? "d" : "-";
    add_optional(out, c.idle_timeout);
  }
  for (const auto& [name, s] : d.secrets) {
    out += "S";
    add(out, name);
    add(out, s.name);
    out += s.certificate ? "c" : "-";
    add(out, s.chain_pem);
  }
  return out;
}

std::string describe(const std::vector<deep::ProxySync>& proxies) {
  std::string out;
  for (const auto& p : proxies) {
    out += "P";
    for (const std::string* f : {&p.proxy, &p.proxy_type, &p.istio_version, &p.istiod}) {
      add(out, *f);
    }
    for (const auto& t : p.types) {
      out += "T";
      for (const std::string* f : {&t.type_url, &t.state, &t.error, &t.sent, &t.acked}) {
        add(out, *f);
      }
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<deep::ConfigDump> dump;
  std::optional<std::vector<deep::ProxySync>> syncz;
  try {
    dump = deep::parse_config_dump(text);
  } catch (const grpcmesh::Error&) {
  }
  try {
    syncz = deep::parse_syncz(text, "istiod-fuzz");
  } catch (const grpcmesh::Error&) {
  }
  if (nesting(text) > 200) {
    return 0;
  }
  nlohmann::json whole = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (whole.is_discarded()) {
    return 0;  // nlohmann refuses it (it is stricter about UTF-8, laxer about huge numbers)
  }
  const grpcmesh::check::Tree tree(whole);
  // Where both read the text, they agree on whether it is a dump, and on what it says.
  std::optional<deep::ConfigDump> reference;
  try {
    reference = deep::reduce_config_dump(tree.root());
  } catch (const grpcmesh::Error&) {
  }
  std::optional<std::vector<deep::ProxySync>> reference_syncz;
  try {
    reference_syncz = deep::reduce_syncz(tree.root(), "istiod-fuzz");
  } catch (const grpcmesh::Error&) {
  }
  // The streaming reader refuses what nlohmann reads only where it is stricter
  // (numbers beyond a double): then there is nothing to compare.
  if (dump && (!reference || describe(*dump) != describe(*reference))) {
    std::abort();  // the streamed reduction differs from the whole document's
  }
  if (syncz && (!reference_syncz || describe(*syncz) != describe(*reference_syncz))) {
    std::abort();
  }
  return 0;
}
