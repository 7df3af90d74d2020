#include "core/grpc/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <string_view>

#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

// One flag of the table: its names (without dashes), whether it takes a value,
// and what to do with it.
struct Flag {
  std::vector<std::string_view> names;
  bool takes_value;
  std::function<void(const std::string& name, const std::string& value)> apply;
};

bool parse_bool(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1" || value == "t" || value == "TRUE" || value == "True") {
    return true;
  }
  if (value == "false" || value == "0" || value == "f" || value == "FALSE" || value == "False") {
    return false;
  }
  throw UsageError(fmt::format("invalid boolean value \"{}\" for -{}: use true or false", value, name));
}

double parse_seconds(const std::string& name, const std::string& value) {
  double out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out < 0) {
    throw UsageError(fmt::format("invalid value \"{}\" for -{}: want seconds, e.g. 2.5", value, name));
  }
  return out;
}

int parse_count(const std::string& name, const std::string& value, int minimum) {
  int out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out < minimum) {
    throw UsageError(fmt::format("invalid value \"{}\" for --{}: want an integer >= {}", value, name, minimum));
  }
  return out;
}

std::vector<Flag> flag_table(Options& o, kube::ConnectionOptions& k) {
  auto text = [](std::string& field) {
    return [&field](const std::string&, const std::string& v) { field = v; };
  };
  auto list = [](std::vector<std::string>& field) {
    return [&field](const std::string&, const std::string& v) { field.push_back(v); };
  };
  auto boolean = [](bool& field) {
    return [&field](const std::string& n, const std::string& v) { field = parse_bool(n, v); };
  };
  auto seconds = [](double& field) {
    return [&field](const std::string& n, const std::string& v) { field = parse_seconds(n, v); };
  };
  return {
      {{"plaintext"}, false, boolean(o.plaintext)},
      {{"insecure"}, false, boolean(o.insecure)},
      {{"cacert"}, true, text(o.cacert)},
      {{"cert"}, true, text(o.cert)},
      {{"key"}, true, text(o.key)},
      {{"servername"}, true, text(o.servername)},
      {{"authority"}, true, text(o.authority)},
      {{"H"}, true, list(o.headers)},
      {{"rpc-header"}, true, list(o.rpc_headers)},
      {{"reflect-header"}, true, list(o.reflect_headers)},
      {{"d"}, true, [&o](const std::string&, const std::string& v) { o.data = v; }},
      {{"format"}, true,
       [&o](const std::string&, const std::string& v) {
         if (v != "json" && v != "text") {
           throw UsageError(fmt::format("the -format option must be 'json' or 'text', not \"{}\"", v));
         }
         o.format = v;
       }},
      {{"format-error"}, false, boolean(o.format_error)},
      {{"emit-defaults"}, false, boolean(o.emit_defaults)},
      {{"allow-unknown-fields"}, false, boolean(o.allow_unknown_fields)},
      {{"connect-timeout"}, true, seconds(o.connect_timeout)},
      {{"keepalive-time"}, true, seconds(o.keepalive_time)},
      {{"max-time"}, true, seconds(o.max_time)},
      {{"max-msg-sz"}, true, [&o](const std::string& n, const std::string& v) { o.max_msg_sz = parse_count(n, v, 1); }},
      {{"proto"}, true, list(o.protos)},
      {{"import-path"}, true, list(o.import_paths)},
      {{"protoset"}, true, list(o.protosets)},
      {{"use-reflection"}, false,
       [&o](const std::string& n, const std::string& v) { o.use_reflection = parse_bool(n, v); }},
      {{"v"}, false, [&o](const std::string& n, const std::string& v) { o.verbosity = std::max(o.verbosity, parse_bool(n, v) ? 1 : 0); }},
      {{"vv"}, false, [&o](const std::string& n, const std::string& v) { o.verbosity = parse_bool(n, v) ? 2 : o.verbosity; }},
      {{"repeat"}, true, [&o](const std::string& n, const std::string& v) { o.repeat = parse_count(n, v, 1); }},
      {{"concurrency"}, true, [&o](const std::string& n, const std::string& v) { o.concurrency = parse_count(n, v, 1); }},
      {{"health"}, false, boolean(o.health)},
      {{"web"}, false,
       [&o](const std::string& n, const std::string& v) {
         if (parse_bool(n, v)) {
           o.web = WebMode::kBinary;
         }
       }},
      {{"web-text"}, false,
       [&o](const std::string& n, const std::string& v) {
         if (parse_bool(n, v)) {
           o.web = WebMode::kText;
         }
       }},
      {{"origin"}, true, text(o.origin)},
      {{"http2"}, false, boolean(o.http2)},
      {{"host"}, true, text(o.host)},
      {{"port-forward"}, false, boolean(o.port_forward)},
      {{"help", "h"}, false, boolean(o.help)},
      // The kubectl connection flags, so they may follow the subcommand.
      {{"kubeconfig"}, true, text(k.kubeconfig)},
      {{"context"}, true, text(k.context)},
      {{"cluster"}, true, text(k.cluster)},
      {{"user"}, true, text(k.user)},
      {{"n", "namespace"}, true, text(k.namespace_name)},
      {{"s", "server"}, true, text(k.server)},
      {{"token"}, true, text(k.token)},
      {{"request-timeout"}, true, text(k.request_timeout)},
      {{"insecure-skip-tls-verify"}, false, boolean(k.insecure_skip_tls_verify)},
      {{"certificate-authority"}, true, text(k.certificate_authority)},
  };
}

const Flag* find_flag(const std::vector<Flag>& table, std::string_view name) {
  for (const Flag& f : table) {
    if (std::find(f.names.begin(), f.names.end(), name) != f.names.end()) {
      return &f;
    }
  }
  return nullptr;
}

// "-name=value" or "--name value": the flag's name without its dashes, and
// the value when it is written inline.
std::pair<std::string, std::optional<std::string>> split_flag(const std::string& arg) {
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  std::optional<std::string> inline_value;
  if (auto eq = body.find('='); eq != std::string::npos) {
    inline_value = body.substr(eq + 1);
    body.resize(eq);
  }
  return {body, inline_value};
}

}  // namespace

std::pair<std::string, std::string> parse_header(const std::string& header) {
  auto colon = header.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError(fmt::format("header \"{}\" is not of the form 'name: value'", header));
  }
  std::string name = header.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string value = header.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  return {name, value};
}

namespace {

// The one walk over a command line's flags, applying each as it comes. Strict
// (parse_args): an unknown flag, a missing value or a bad value throws
// UsageError. Lenient (scan_args, for completion): they are skipped, and a last
// flag still waiting for its value is noted.
ArgScan walk_flags(const std::vector<std::string>& args, const std::vector<Flag>& table, bool strict) {
  ArgScan scan;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      scan.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    auto [body, inline_value] = split_flag(arg);
    const Flag* flag = find_flag(table, body);
    if (flag == nullptr) {
      if (strict) {
        throw UsageError(fmt::format("unknown flag {}", arg.substr(0, arg.find('='))));
      }
      continue;
    }
    std::optional<std::string> value = inline_value;
    if (flag->takes_value && !value) {
      if (i + 1 == args.size()) {
        if (strict) {
          throw UsageError(fmt::format("flag needs an argument: {}", arg));
        }
        scan.pending_flag = body;
        break;
      }
      value = args[++i];
    }
    try {
      flag->apply(body, value.value_or("true"));
    } catch (const Error&) {
      if (strict) {
        throw;
      }
      // a bad value: completion goes on with what it has
    }
  }
  return scan;
}

}  // namespace

ArgScan scan_args(const std::vector<std::string>& args, Options& o, kube::ConnectionOptions& kube) {
  return walk_flags(args, flag_table(o, kube), false);
}

std::vector<std::string> flag_names() {
  Options o;
  kube::ConnectionOptions k;
  std::vector<std::string> names;
  for (const Flag& f : flag_table(o, k)) {
    for (std::string_view n : f.names) {
      names.emplace_back(n);
    }
  }
  return names;
}

Options parse_args(const std::vector<std::string>& args, kube::ConnectionOptions& kube) {
  Options o;
  const std::vector<std::string> positional = walk_flags(args, flag_table(o, kube), true).positionals;
  if (o.help) {
    return o;
  }

  // [ADDRESS] [list|describe] [SYMBOL], grpcurl's positional grammar; with
  // --host there is no address.
  size_t next = 0;
  auto is_verb = [](const std::string& s) { return s == "list" || s == "describe"; };
  if (o.host.empty() && next < positional.size() && !is_verb(positional[next])) {
    o.address = positional[next++];
  }
  if (o.health) {
    if (next < positional.size()) {
      o.health_service = positional[next++];
    }
  } else if (next < positional.size() && is_verb(positional[next])) {
    o.verb = positional[next] == "list" ? Verb::kList : Verb::kDescribe;
    ++next;
    if (next < positional.size()) {
      o.symbol = positional[next++];
    }
  } else if (next < positional.size()) {
    o.symbol = positional[next++];
  }
  if (next < positional.size()) {
    throw UsageError(fmt::format("too many arguments: unexpected \"{}\"", positional[next]));
  }

  // Cross-flag rules, with grpcurl's wording where it has one.
  const bool schema_only = o.verb != Verb::kInvoke && !o.reflection_enabled();
  if (o.address.empty() && o.host.empty() && !schema_only) {
    throw UsageError("no address given: pass HOST:PORT, or --host HOST to resolve the gateway serving it");
  }
  if (!o.address.empty() && !o.host.empty()) {
    throw UsageError("give either an address or --host, not both");
  }
  if (o.verb == Verb::kInvoke && o.symbol.empty() && !o.health) {
    throw UsageError("too few arguments: name a method (pkg.Service/Method), 'list' or 'describe'");
  }
  if (o.plaintext && o.insecure) {
    throw UsageError("the -insecure and -plaintext flags are mutually exclusive");
  }
  if (o.plaintext && (!o.cacert.empty() || !o.cert.empty() || !o.key.empty() || !o.servername.empty())) {
    throw UsageError("-cacert, -cert, -key and -servername need TLS: drop -plaintext");
  }
  if (o.cert.empty() != o.key.empty()) {
    throw UsageError("the -cert and -key flags must be used together");
  }
  if (!o.protos.empty() && !o.protosets.empty()) {
    throw UsageError("use either -protoset files or -proto files, but not both");
  }
  if (!o.import_paths.empty() && o.protos.empty()) {
    throw UsageError("-import-path needs -proto files");
  }
  if (o.use_reflection.value_or(false) && (!o.protos.empty() || !o.protosets.empty()) && o.address.empty() &&
      o.host.empty()) {
    throw UsageError("-use-reflection needs an address");
  }
  if (o.concurrency > 1 && o.repeat == 0) {
    throw UsageError("--concurrency needs --repeat N");
  }
  if (o.repeat > 0 && o.verb != Verb::kInvoke) {
    throw UsageError("--repeat applies to a method call, not to list or describe");
  }
  if (!o.origin.empty() && o.web == WebMode::kNone) {
    throw UsageError("--origin needs --web or --web-text (a browser speaks gRPC-Web)");
  }
  if (o.http2 && o.web == WebMode::kNone) {
    throw UsageError("--http2 applies to --web and --web-text (native gRPC always uses HTTP/2)");
  }
  if (o.web != WebMode::kNone && o.verb != Verb::kInvoke) {
    throw UsageError("list and describe use server reflection, which gRPC-Web cannot carry: drop --web");
  }
  if (o.port_forward && o.host.empty()) {
    throw UsageError("--port-forward needs --host HOST");
  }
  for (const auto* group : {&o.headers, &o.rpc_headers, &o.reflect_headers}) {
    for (const std::string& h : *group) {
      parse_header(h);
    }
  }
  return o;
}

}  // namespace grpcmesh::grpc
