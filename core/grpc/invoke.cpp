#include "core/grpc/invoke.hpp"

#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "core/grpc/base64.hpp"
#include "core/grpc/describe.hpp"
#include "core/grpc/json_stream.hpp"
#include "core/grpc/status.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

std::string plural(size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

std::string method_path(const pb::MethodDescriptor& m) {
  return fmt::format("/{}/{}", m.service()->full_name(), m.name());
}

CallOutcome outcome_of(const ::grpc::Status& s) {
  return CallOutcome{static_cast<int>(s.error_code()), s.error_message(), s.error_details()};
}

// Prints as grpcurl's verbose event handler does.
class Printer {
 public:
  Printer(Codec& codec, const Options& o, Streams& s) : codec_(codec), verbose_(o.verbosity > 0), s_(s) {}

  void headers(const Metadata& md) {
    if (verbose_) {
      s_.out << "\nResponse headers received:\n" << format_metadata(md) << "\n";
    }
  }
  void response(const pb::Message& m) {
    ++received_;
    if (verbose_) {
      s_.out << "\nResponse contents:\n";
    }
    s_.out << codec_.print(m) << '\n';
    s_.out.flush();
  }
  void trailers(const Metadata& md, size_t sent) {
    if (verbose_) {
      s_.out << "\nResponse trailers received:\n" << format_metadata(md) << "\n"
             << "Sent " << plural(sent, "request") << " and received " << plural(received_, "response") << '\n';
    }
  }

 private:
  Codec& codec_;
  bool verbose_;
  Streams& s_;
  size_t received_ = 0;
};

CallOutcome invoke_unary(::grpc::GenericStub& stub, const pb::MethodDescriptor& method, Codec& codec,
                         const CallSettings& settings, Printer& printer) {
  auto request = codec.next_request(*method.input_type());
  if (!request) {
    request = codec.make(*method.input_type());
  } else if (codec.next_request(*method.input_type())) {
    throw Error(fmt::format("method \"{}\" is a unary RPC, but the request data contained more than 1 message",
                            method.full_name()));
  }
  auto context = settings.context();
  std::string bytes;
  ::grpc::Status status = unary_call(stub, *context, method_path(method), request->SerializeAsString(), bytes);
  printer.headers(to_metadata(context->GetServerInitialMetadata()));
  if (status.ok()) {
    auto response = codec.make(*method.output_type());
    if (!response->ParseFromString(bytes)) {
      throw Error(fmt::format("the server's response is not a valid {}", method.output_type()->full_name()));
    }
    printer.response(*response);
  }
  printer.trailers(to_metadata(context->GetServerTrailingMetadata()), 1);
  return outcome_of(status);
}

CallOutcome invoke_stream(::grpc::GenericStub& stub, CallQueue& queue, const pb::MethodDescriptor& method,
                          Codec& codec, const CallSettings& settings, Printer& printer) {
  StreamCall call(stub, queue, method_path(method), settings.context());
  size_t sent = 0;
  std::exception_ptr write_error;
  // Requests go out on their own thread so a bidirectional stream prints
  // responses while stdin is still being read.
  std::thread writer([&] {
    try {
      if (!method.client_streaming()) {
        auto request = codec.next_request(*method.input_type());
        if (!request) {
          request = codec.make(*method.input_type());
        } else if (codec.next_request(*method.input_type())) {
          throw Error(fmt::format(
              "method \"{}\" is a server-streaming RPC, but the request data contained more than 1 message",
              method.full_name()));
        }
        if (call.write(request->SerializeAsString())) {
          ++sent;
        }
      } else {
        while (auto request = codec.next_request(*method.input_type())) {
          if (!call.write(request->SerializeAsString())) {
            break;
          }
          ++sent;
        }
      }
      call.writes_done();
    } catch (...) {
      write_error = std::current_exception();
      call.context().TryCancel();
    }
  });
  call.read_initial_metadata();
  printer.headers(to_metadata(call.context().GetServerInitialMetadata()));
  std::string bytes;
  while (call.read(bytes)) {
    auto response = codec.make(*method.output_type());
    if (!response->ParseFromString(bytes)) {
      call.context().TryCancel();
      break;
    }
    printer.response(*response);
  }
  writer.join();
  ::grpc::Status status = call.finish();
  if (write_error) {
    std::rethrow_exception(write_error);
  }
  printer.trailers(to_metadata(call.context().GetServerTrailingMetadata()), sent);
  return outcome_of(status);
}

}  // namespace

std::unique_ptr<::grpc::ClientContext> CallSettings::context() const {
  auto ctx = std::make_unique<::grpc::ClientContext>();
  for (const auto& [k, v] : metadata) {
    ctx->AddMetadata(k, v);
  }
  if (deadline) {
    ctx->set_deadline(*deadline);
  }
  if (!authority.empty()) {
    ctx->set_authority(authority);
  }
  return ctx;
}

std::string format_metadata(const Metadata& md) {
  if (md.empty()) {
    return "(empty)";
  }
  std::string out;
  for (const auto& [k, v] : md) {
    bool binary = k.size() > 4 && k.compare(k.size() - 4, 4, "-bin") == 0;
    out += fmt::format("{}{}: {}", out.empty() ? "" : "\n", k, binary ? base64_encode(v) : v);
  }
  return out;
}

CallOutcome invoke(::grpc::GenericStub& stub, CallQueue& queue, const pb::MethodDescriptor& method, Codec& codec,
                   const Options& o, const CallSettings& settings, Streams& streams) {
  if (o.verbosity > 0) {
    Metadata sent(settings.metadata.begin(), settings.metadata.end());
    streams.out << "\nResolved method descriptor:\n"
                << print_method(method) << "\nRequest metadata to send:\n"
                << format_metadata(sent) << '\n';
  }
  Printer printer(codec, o, streams);
  if (!method.client_streaming() && !method.server_streaming()) {
    return invoke_unary(stub, method, codec, settings, printer);
  }
  return invoke_stream(stub, queue, method, codec, settings, printer);
}

void print_status_error(const CallOutcome& outcome, const Options& o, Streams& streams) {
  if (o.format_error) {
    std::string json = nlohmann::json{{"code", outcome.code}, {"message", outcome.message}}.dump();
    streams.err << indent_json(json) << '\n';
    return;
  }
  streams.err << "ERROR:\n  Code: " << code_name(outcome.code) << "\n  Message: " << outcome.message << '\n';
}

}  // namespace grpcmesh::grpc
