#include "core/grpc/complete.hpp"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <memory>

#include "core/grpc/describe.hpp"
#include "core/grpc/options.hpp"
#include "core/grpc/reflection.hpp"
#include "core/grpc/schema.hpp"
#include "core/grpc/transport.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

void quiet(pb::LogLevel, const char*, int, const std::string&) {}

bool takes_file(const std::string& flag) {
  return flag == "cacert" || flag == "cert" || flag == "key" || flag == "proto" || flag == "protoset" ||
         flag == "import-path" || flag == "kubeconfig" || flag == "certificate-authority";
}

std::string one_line(std::string s) {
  while (!s.empty() && s.back() == '\n') {
    s.pop_back();
  }
  return s;
}

// The server's services and, unless `services_only`, their methods.
std::vector<cli::Candidate> from_reflection(Options o, bool services_only, bool with_verbs) {
  o.connect_timeout = std::min(o.connect_timeout, 1.0);
  CallSettings settings;
  for (const auto* group : {&o.headers, &o.reflect_headers}) {
    for (const std::string& h : *group) {
      settings.metadata.push_back(parse_header(h));
    }
  }
  settings.deadline = std::chrono::system_clock::now() + std::chrono::seconds(2);
  Connection connection(o, target_from(o), Wire::kGrpc, nullptr);
  connection.set_diagnose(false);
  ReflectionClient client(connection, settings);
  std::unique_ptr<Schema> schema = reflection_schema(client);
  std::vector<cli::Candidate> out;
  if (with_verbs) {
    out.push_back({"list", "list the services, or the methods of one"});
    out.push_back({"describe", "describe a service, method or message"});
  }
  for (const std::string& name : schema->list_services()) {
    out.push_back({name, "service"});
    if (services_only) {
      continue;
    }
    if (const pb::ServiceDescriptor* service = schema->find_service(name)) {
      for (int i = 0; i < service->method_count(); ++i) {
        const pb::MethodDescriptor& m = *service->method(i);
        out.push_back({name + "/" + m.name(), one_line(print_method(m))});
      }
    }
  }
  return out;
}

}  // namespace

cli::Completion complete_grpcurl(const std::vector<std::string>& words, const std::string& to_complete) {
  pb::SetLogHandler(quiet);
  cli::Completion c;
  c.directive = cli::kDirectiveNoFileComp;
  Options o;
  kube::ConnectionOptions kube;
  const ArgScan scan = scan_args(words, o, kube);
  if (!scan.pending_flag.empty()) {
    c.directive = takes_file(scan.pending_flag) ? cli::kDirectiveDefault : cli::kDirectiveNoFileComp;
    return c;
  }
  std::vector<cli::Candidate> all;
  const auto& p = scan.positionals;
  if (to_complete.starts_with("-")) {
    const bool two = to_complete.starts_with("--");
    for (const std::string& name : flag_names()) {
      all.push_back({(two ? "--" : "-") + name, ""});
    }
  } else if (!o.host.empty() || p.empty()) {
    return c;  // the address itself, or a gateway host: nothing to ask yet
  } else {
    o.address = p[0];
    const bool verb = p.size() == 2 && (p[1] == "list" || p[1] == "describe");
    if (p.size() != 1 && !verb) {
      return c;
    }
    try {
      all = from_reflection(o, verb, p.size() == 1);
    } catch (const std::exception&) {
      return c;  // unreachable, untrusted, no reflection: offer nothing
    }
  }
  for (const cli::Candidate& candidate : all) {
    if (candidate.value.starts_with(to_complete)) {
      c.candidates.push_back(candidate);
    }
  }
  return c;
}

}  // namespace grpcmesh::grpc
