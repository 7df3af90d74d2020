#include "core/grpc/run.hpp"

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <grpc/support/log.h>
#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <ostream>
#include <thread>

#include "core/grpc/call.hpp"
#include "core/grpc/channel.hpp"
#include "core/grpc/codec.hpp"
#include "core/grpc/gateway.hpp"
#include "core/grpc/invoke.hpp"
#include "core/grpc/latency.hpp"
#include "core/grpc/reflection.hpp"
#include "core/grpc/schema.hpp"
#include "core/grpc/status.hpp"
#include "core/grpc/web.hpp"
#include "core/util/error.hpp"
#include "grpcmesh/grpc/health.pb.h"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

void quiet_log(gpr_log_func_args*) {}
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
  s.authority = o.authority;
  return s;
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

int health_check(::grpc::GenericStub& stub, const Options& o, const CallSettings& settings, Streams& streams) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(o.health_service);
  auto context = settings.context();
  std::string bytes;
  ::grpc::Status status =
      unary_call(stub, *context, "/grpc.health.v1.Health/Check", request.SerializeAsString(), bytes);
  if (!status.ok()) {
    print_status_error(CallOutcome{status.error_code(), status.error_message(), ""}, o, streams);
    return exit_code_for(status.error_code());
  }
  ::grpc::health::v1::HealthCheckResponse response;
  response.ParseFromString(bytes);
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

int repeat_calls(::grpc::GenericStub& stub, const pb::MethodDescriptor& method, Codec& codec, const Options& o,
                 const CallSettings& settings, Streams& streams) {
  if (method.client_streaming() || method.server_streaming()) {
    throw UsageError("--repeat measures unary calls; this method streams");
  }
  auto request = codec.next_request(*method.input_type());
  const std::string bytes = request ? request->SerializeAsString() : std::string();
  const std::string path = fmt::format("/{}/{}", method.service()->full_name(), method.name());
  std::vector<Sample> samples(static_cast<size_t>(o.repeat));
  std::atomic<int> next{0};
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  auto worker = [&] {
    for (int i = next++; i < o.repeat; i = next++) {
      auto context = settings.context();
      if (o.max_time > 0) {
        context->set_deadline(std::chrono::system_clock::now() +
                              std::chrono::milliseconds(static_cast<long>(o.max_time * 1000)));
      }
      std::string response;
      const auto t0 = clock::now();
      ::grpc::Status status = unary_call(stub, *context, path, bytes, response);
      samples[static_cast<size_t>(i)] = {std::chrono::duration<double>(clock::now() - t0).count(),
                                         static_cast<int>(status.error_code())};
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < o.concurrency; ++t) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
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
    gpr_set_log_function(quiet_log);
    pb::SetLogHandler(quiet_protobuf);
  } else {
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
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
  CallSettings call_settings = settings_for(o, o.rpc_headers, deadline);
  CallSettings reflect_settings = settings_for(o, o.reflect_headers, deadline);
  call_settings.authority = reflect_settings.authority = target.authority;

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

  if (o.web != WebMode::kNone && !o.reflection_enabled() && schema) {
    Codec codec(o, streams.in);
    const pb::MethodDescriptor* method = schema->find_method(o.symbol);
    CallOutcome outcome = invoke_web(*method, codec, o, target, call_settings, streams);
    if (outcome.code != 0) {
      print_status_error(outcome, o, streams);
    }
    return exit_code_for(outcome.code);
  }

  auto channel = make_channel(o, target);
  connect_or_explain(*channel, o, target);
  ::grpc::GenericStub stub(channel);
  CallQueue queue;
  if (o.health) {
    return health_check(stub, o, call_settings, streams);
  }
  ReflectionClient reflection(stub, queue, [&reflect_settings] { return reflect_settings.context(); });
  if (!schema) {
    schema = reflection_schema(reflection);
  }
  if (o.verb != Verb::kInvoke) {
    return list_or_describe(*schema, o, streams);
  }
  const pb::MethodDescriptor* method = schema->find_method(o.symbol);
  Codec codec(o, streams.in);
  if (o.repeat > 0) {
    return repeat_calls(stub, *method, codec, o, call_settings, streams);
  }
  CallOutcome outcome = o.web != WebMode::kNone
                            ? invoke_web(*method, codec, o, target, call_settings, streams)
                            : invoke(stub, queue, *method, codec, o, call_settings, streams);
  if (outcome.code != 0) {
    print_status_error(outcome, o, streams);
  }
  return exit_code_for(outcome.code);
}

}  // namespace grpcmesh::grpc
