// libFuzzer target: grpcurl's native gRPC transport (core/grpc/transport:
// HTTP/2 on libnghttp2, h2c as with -plaintext) on arbitrary server bytes.
// A listener on the loopback interface accepts the transport's connection
// and answers with the input, whatever the client says, then closes its
// side; a unary call and a client-streaming call run on that connection.
// Each must end with a status (or a dial error), within its deadline, and
// nothing may crash or grow without bound.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/grpc/transport.hpp"
#include "core/util/error.hpp"

namespace {

// A listening socket on 127.0.0.1, for the whole run.
struct Listener {
  int fd = -1;
  std::string address;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      std::abort();
    }
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace g = grpcmesh::grpc;
  static Listener listener;
  g::Options options;
  options.plaintext = true;
  options.connect_timeout = 2;
  g::Target target;
  target.address = listener.address;
  target.plaintext = true;
  g::CallSettings settings;
  settings.deadline = std::chrono::system_clock::now() + std::chrono::seconds(2);
  settings.metadata = {{"x-fuzz", "1"}};

  int server = -1;
  {
    g::Connection connection(options, target, g::Wire::kGrpc, nullptr);
    connection.set_diagnose(false);
    const std::string request("\x0a\x03one", 5);
    std::unique_ptr<g::Call> unary = connection.start("/shapes.v1.Shapes/Get", settings, &request);
    std::unique_ptr<g::Call> upload = connection.start("/shapes.v1.Shapes/Upload", settings);
    upload->write(request);
    upload->write(request);
    upload->close_send();
    // The client has connected (start dials at once): answer with the input.
    server = accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (server >= 0) {
      const int sndbuf = 1 << 20;
      setsockopt(server, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
      size_t sent = 0;
      while (sent < size) {
        const ssize_t n = ::send(server, data + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          break;
        }
        sent += static_cast<size_t>(n);
      }
      shutdown(server, SHUT_WR);
    }
    for (g::Call* call : {unary.get(), upload.get()}) {
      try {
        (void)call->headers();
        std::string message;
        for (int i = 0; i < 1000 && call->read(message); ++i) {
        }
        (void)call->finish();
        (void)g::format_metadata(call->trailers());
      } catch (const grpcmesh::Error&) {
      }
    }
  }
  if (server >= 0) {
    ::close(server);
  }
  return 0;
}
