#include "core/grpc/invoke.hpp"

#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "core/grpc/describe.hpp"
#include "core/grpc/json_stream.hpp"
#include "core/grpc/status.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {
namespace {

namespace pb = google::protobuf;

std::string plural(size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

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

// The one request of a unary or server-streaming call (an empty message
// when the data has none).
std::string single_request(const pb::MethodDescriptor& method, Codec& codec) {
  auto request = codec.next_request(*method.input_type());
  if (!request) {
    request = codec.make(*method.input_type());
  } else if (codec.next_request(*method.input_type())) {
    throw Error(fmt::format("method \"{}\" is a {} RPC, but the request data contained more than 1 message",
                            method.full_name(), method.server_streaming() ? "server-streaming" : "unary"));
  }
  return request->SerializeAsString();
}

}  // namespace

std::string method_path(const pb::MethodDescriptor& m) {
  return fmt::format("/{}/{}", m.service()->full_name(), m.name());
}

CallOutcome invoke(Connection& connection, const pb::MethodDescriptor& method, Codec& codec, const Options& o,
                   const CallSettings& settings, Streams& streams, HttpHead* response_head) {
  if (o.verbosity > 0) {
    Metadata sent(settings.metadata.begin(), settings.metadata.end());
    streams.out << "\nResolved method descriptor:\n"
                << print_method(method) << "\nRequest metadata to send:\n"
                << format_metadata(sent) << '\n';
  }
  Printer printer(codec, o, streams);
  std::unique_ptr<Call> call;
  size_t sent = 0;
  std::exception_ptr write_error;
  std::thread writer;
  if (!method.client_streaming()) {
    const std::string request = single_request(method, codec);
    call = connection.start(method_path(method), settings, &request);
    sent = 1;
  } else {
    call = connection.start(method_path(method), settings);
    writer = std::thread([&] {
      try {
        while (auto request = codec.next_request(*method.input_type())) {
          if (!call->write(request->SerializeAsString())) {
            break;
          }
          ++sent;
        }
        call->close_send();
      } catch (...) {
        write_error = std::current_exception();
        call->cancel();
      }
    });
  }
  auto join = [&writer] {
    if (writer.joinable()) {
      writer.join();
    }
  };
  CallOutcome outcome;
  try {
    printer.headers(call->headers());
    std::string bytes;
    while (call->read(bytes)) {
      auto response = codec.make(*method.output_type());
      if (!response->ParseFromString(bytes)) {
        call->cancel();
        join();
        throw Error(fmt::format("the server's response is not a valid {}", method.output_type()->full_name()));
      }
      printer.response(*response);
    }
    join();
    outcome = call->finish();
  } catch (...) {
    call->cancel();
    join();
    throw;
  }
  if (write_error) {
    std::rethrow_exception(write_error);
  }
  if (response_head != nullptr) {
    *response_head = call->head();
  }
  printer.trailers(call->trailers(), sent);
  return outcome;
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
