#include "core/grpc/run.hpp"

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <ostream>

#include "core/grpc/codec.hpp"
#include "core/grpc/gateway.hpp"
#include "core/grpc/invoke.hpp"
#include "core/grpc/latency.hpp"
#include "core/grpc/reflection.hpp"
#include "core/grpc/schema.hpp"
#include "core/grpc/status.hpp"
#include "core/grpc/transport.hpp"
#include "core/grpc/web.hpp"
#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "grpcmesh/grpc/health.pb.h"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

void quiet_protobuf(pb::LogLevel, const char*, int, const std::string&) {}

CallSettings settings_for(const Options& o, const std::vector<std::string>& extra,
                          std::optional<std::chrono::system_clock::time_point> deadline) {
  CallSettings s;
  for (const auto* group : {&o.headers, &extra}) {
    for (const std::string& h : *group) {
      s.metadata.push_back(parse_header(h));
    }
  }
  s.deadline = deadline;
  return s;
}

// TLS files are read by OpenSSL and libcurl, whose errors do not name the
// flag: read each once up front so a bad path is reported like any other.
void check_readable(const std::string& path, const char* flag) {
  if (!path.empty()) {
    util::read_option_file(path, flag);
  }
}

int list_or_describe(Schema& schema, const Options& o, Streams& streams) {
  if (o.verb == Verb::kList) {
    if (o.symbol.empty()) {
      for (const std::string& name : schema.list_services()) {
        streams.out << name << '\n';
      }
      return kExitOk;
    }
    const pb::ServiceDescriptor* service = schema.find_service(o.symbol);
    if (service == nullptr) {
      throw Error(fmt::format("failed to list methods for service \"{}\": service not found (see 'list')", o.symbol));
    }
    std::vector<std::string> methods;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(service->method(i)->full_name());
    }
    std::sort(methods.begin(), methods.end());
    for (const std::string& m : methods) {
      streams.out << m << '\n';
    }
    return kExitOk;
  }
  std::vector<std::string> symbols;
  if (o.symbol.empty()) {
    symbols = schema.list_services();
  } else {
    symbols.push_back(o.symbol.front() == '.' ? o.symbol.substr(1) : o.symbol);
  }
  for (const std::string& symbol : symbols) {
    std::string text = schema.describe(symbol);
    if (text.empty()) {
      throw Error(fmt::format("failed to resolve symbol \"{}\": symbol not found", symbol));
    }
    streams.out << text;
  }
  return kExitOk;
}

int health_check(Connection& connection, const Options& o, const CallSettings& settings, Streams& streams) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(o.health_service);
  const std::string bytes = request.SerializeAsString();
  auto call = connection.start("/grpc.health.v1.Health/Check", settings, &bytes);
  std::string answer;
  const bool answered = call->read(answer);
  const CallOutcome status = call->finish();
  if (status.code != 0 || !answered) {
    print_status_error(status.code != 0 ? status : CallOutcome{13, "the health check returned no response", ""}, o,
                       streams);
    return exit_code_for(status.code != 0 ? status.code : 13);
  }
  ::grpc::health::v1::HealthCheckResponse response;
  response.ParseFromString(answer);
  std::string json;
  pb::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  (void)pb::util::MessageToJsonString(response, &json, print);
  streams.out << indent_json(json) << '\n';
  if (response.status() != ::grpc::health::v1::HealthCheckResponse::SERVING) {
    throw Error(fmt::format("{} reports {}: it is not ready to serve",
                            o.health_service.empty() ? std::string("the server") : "service \"" + o.health_service + "\"",
                            ::grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())));
  }
  return kExitOk;
}

// --repeat N: N unary calls as streams of one connection, up to
// --concurrency of them in flight, all driven by this thread.
int repeat_calls(Connection& connection, const pb::MethodDescriptor& method, Codec& codec, const Options& o,
                 const CallSettings& settings, Streams& streams) {
  if (method.client_streaming() || method.server_streaming()) {
    throw UsageError("--repeat measures unary calls; this method streams");
  }
  auto request = codec.next_request(*method.input_type());
  const std::string bytes = request ? request->SerializeAsString() : std::string();
  const std::string path = method_path(method);
  using clock = std::chrono::steady_clock;
  struct Slot {
    std::unique_ptr<Call> call;
    clock::time_point started;
  };
  std::vector<Slot> slots(static_cast<size_t>(std::min(o.concurrency, o.repeat)));
  std::vector<Sample> samples;
  samples.reserve(static_cast<size_t>(o.repeat));
  int launched = 0;
  auto launch = [&](Slot& slot) {
    CallSettings each = settings;
    if (o.max_time > 0) {
      each.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(static_cast<long>(o.max_time * 1000));
    }
    slot.started = clock::now();
    slot.call = connection.start(path, each, &bytes);
    ++launched;
  };
  const auto started = clock::now();
  // The first call opens the connection; the others then share it.
  launch(slots.front());
  connection.drive([&] { return connection.connected() || slots.front().call->done(); });
  for (Slot& slot : slots) {
    if (!slot.call) {
      launch(slot);
    }
  }
  while (samples.size() < static_cast<size_t>(o.repeat)) {
    connection.drive([&] {
      return std::any_of(slots.begin(), slots.end(), [](const Slot& s) { return s.call && s.call->done(); });
    });
    for (Slot& slot : slots) {
      if (!slot.call || !slot.call->done()) {
        continue;
      }
      const CallOutcome outcome = slot.call->finish();
      samples.push_back({std::chrono::duration<double>(clock::now() - slot.started).count(), outcome.code});
      slot.call.reset();
      if (launched < o.repeat) {
        launch(slot);
      }
    }
  }
  const double wall = std::chrono::duration<double>(clock::now() - started).count();
  LatencySummary summary = summarize(samples, wall);
  streams.out << render(summary, method.full_name(), o.concurrency);
  for (const Sample& s : samples) {
    if (s.code != 0) {
      return exit_code_for(s.code);
    }
  }
  return kExitOk;
}

}  // namespace

int run_grpcurl(const std::vector<std::string>& args, Streams& streams, kube::ConnectionOptions& kube,
                const std::string& help) {
  const Options o = parse_args(args, kube);
  if (o.help) {
    streams.out << help;
    return kExitOk;
  }
  if (o.verbosity < 2) {
    pb::SetLogHandler(quiet_protobuf);
  }
  std::optional<std::chrono::system_clock::time_point> deadline;
  if (o.max_time > 0) {
    deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(static_cast<long>(o.max_time * 1000));
  }
  Target target = target_from(o);
  std::unique_ptr<PortForward> forward;
  if (!o.host.empty()) {
    GatewayRoute route = resolve_gateway(o.host, read_gateway_inputs(kube, streams.err), o.plaintext, o.port_forward);
    if (o.plaintext && !route.plaintext) {
      throw Error(fmt::format("the Gateway serves {} over TLS: drop -plaintext", o.host));
    }
    if (route.address.empty()) {
      forward = std::make_unique<PortForward>(kube, route.service_namespace, route.service_name, route.service_port,
                                              o.connect_timeout);
      route.address = forward->address();
      route.notes.push_back("kubectl port-forward listening on " + route.address);
    }
    if (o.verbosity > 0) {
      streams.err << "Resolved --host " << o.host << ":\n";
      for (const std::string& note : route.notes) {
        streams.err << "  " << note << '\n';
      }
    }
    target.address = route.address;
    target.plaintext = route.plaintext;
    target.authority = o.authority.empty() ? route.authority : o.authority;
    target.servername = o.servername.empty() ? route.servername : o.servername;
  }
  const CallSettings call_settings = settings_for(o, o.rpc_headers, deadline);
  const CallSettings reflect_settings = settings_for(o, o.reflect_headers, deadline);

  // A schema from files needs no server for list/describe.
  std::unique_ptr<Schema> schema;
  if (!o.protos.empty()) {
    schema = proto_file_schema(o.protos, o.import_paths);
  } else if (!o.protosets.empty()) {
    schema = protoset_schema(o.protosets);
  }
  if (schema && o.verb != Verb::kInvoke) {
    return list_or_describe(*schema, o, streams);
  }
  check_readable(o.cacert, "-cacert");
  check_readable(o.cert, "-cert");
  check_readable(o.key, "-key");

  // -vv: the transport's own log (libcurl's, secrets redacted) on stderr.
  std::ostream* log = o.verbosity >= 2 ? &streams.err : nullptr;
  // Native gRPC for reflection and health checks (and the call, unless --web).
  std::unique_ptr<Connection> native;
  auto grpc_connection = [&]() -> Connection& {
    if (!native) {
      native = std::make_unique<Connection>(o, target, Wire::kGrpc, log);
    }
    return *native;
  };
  if (o.health) {
    return health_check(grpc_connection(), o, call_settings, streams);
  }
  std::unique_ptr<ReflectionClient> reflection;
  if (o.reflection_enabled()) {
    reflection = std::make_unique<ReflectionClient>(grpc_connection(), reflect_settings);
    if (!schema) {
      schema = reflection_schema(*reflection);
    }
  }
  if (o.verb != Verb::kInvoke) {
    return list_or_describe(*schema, o, streams);
  }
  const pb::MethodDescriptor* method = schema->find_method(o.symbol);
  std::unique_ptr<Connection> web;
  if (o.web != WebMode::kNone) {
    if (method->client_streaming()) {
      throw UsageError(fmt::format(
          "gRPC-Web carries unary and server-streaming calls only; {} streams from the client", method->full_name()));
    }
    web = std::make_unique<Connection>(o, target, web_wire(o), log);
  }
  Connection& connection = web ? *web : grpc_connection();
  Codec codec(o, streams.in);
  if (o.repeat > 0) {
    return repeat_calls(connection, *method, codec, o, call_settings, streams);
  }
  if (!o.origin.empty()) {
    cors_preflight(connection, method_path(*method), o, call_settings, streams);
  }
  HttpHead head;
  const CallOutcome outcome = invoke(connection, *method, codec, o, call_settings, streams, &head);
  if (!o.origin.empty()) {
    cors_response(head, o, streams);
  }
  if (outcome.code != 0) {
    print_status_error(outcome, o, streams);
  }
  return exit_code_for(outcome.code);
}

}  // namespace grpcmesh::grpc
