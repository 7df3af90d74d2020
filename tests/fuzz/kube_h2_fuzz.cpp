// libFuzzer target: the Kubernetes client's native HTTP/2 transport
// (core/kube/h2_transport) on arbitrary server bytes. They arrive on the
// transport's socket as a server's would after the TLS handshake (the
// transport runs over one end of a socket pair, without TLS), while three
// exchanges (two GETs and a POST with a body) run as streams of the
// connection. Each must end with a response or a failure, within its
// --request-timeout, and nothing may crash or grow without bound.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/kube/transport.hpp"
#include "core/kube/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace k = grpcmesh::kube;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    std::abort();
  }
  // The server's side: everything it says, then the end of the connection.
  // The client's frames stay unread in the socket's buffer.
  const int sndbuf = 1 << 20;
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fds[1], data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<size_t>(n);
  }
  shutdown(fds[1], SHUT_WR);

  k::TransportSettings settings;
  settings.scheme = "https";
  settings.host = "127.0.0.1";
  settings.port = "6443";
  settings.authority = "127.0.0.1:6443";
  settings.user_agent = "fuzz";
  settings.request_timeout = std::chrono::milliseconds(2000);
  auto transport = k::make_h2_transport_on_socket(settings, fds[0]);
  const std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})";
  k::Exchange get1;
  get1.target = "/api/v1/namespaces/default/configmaps/x";
  k::Exchange get2;
  get2.target = "/apis?limit=500";
  k::Exchange post;
  post.method = "POST";
  post.target = "/api/v1/namespaces/default/configmaps";
  post.body = &body;
  post.headers = {{"Content-Type", "application/json"}};
  for (k::Exchange* x : {&get1, &get2, &post}) {
    x->start = std::chrono::steady_clock::now();
    transport->start(*x);
  }
  for (k::Exchange* x : {&get1, &get2, &post}) {
    transport->wait_for(*x);
    if (x->failure == k::Failure::kNone && x->status == 0) {
      std::abort();  // an exchange ended with neither a status nor a failure
    }
  }
  transport.reset();
  ::close(fds[1]);
  return 0;
}
