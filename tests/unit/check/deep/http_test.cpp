#include "core/check/deep/http.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/check/deep/deep.hpp"
#include "core/check/deep/istiod.hpp"
#include "core/kube/rest_config.hpp"

using namespace grpcmesh;
using namespace grpcmesh::check::deep;
using namespace std::chrono_literals;

namespace {

// A server on a loopback port of its own: for each connection it reads the
// request head, then answers as `answer` says for the request's path (the
// bytes, in pieces, then a close or a hang), recording each request head.
struct Reply {
  std::vector<std::string> pieces;  // sent one after the other
  std::chrono::milliseconds pause{0};  // between pieces
  bool hang = false;                   // keep the connection open afterwards
};

class LoopbackServer {
 public:
  explicit LoopbackServer(std::map<std::string, Reply> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    for (auto& t : connections_) {
      t.join();
    }
    ::close(fd_);
  }
  std::string port() const { return std::to_string(port_); }
  std::string address() const { return "127.0.0.1:" + port(); }
  // Connections of hanging replies the client closed.
  int closed() const { return closed_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(m_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        return;
      }
      connections_.emplace_back([this, c] { answer(c); });
    }
  }
  void answer(int c) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(c);
        return;
      }
      head.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(m_);
      requests_.push_back(head);
    }
    std::string path = head.substr(4, head.find(' ', 4) - 4);
    const Reply& r = replies_.at(path);
    for (const std::string& piece : r.pieces) {
      size_t sent = 0;
      while (sent < piece.size()) {
        ssize_t n = ::send(c, piece.data() + sent, piece.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          break;
        }
        sent += static_cast<size_t>(n);
      }
      std::this_thread::sleep_for(r.pause);
    }
    if (r.hang) {
      while (!stop_ && ::recv(c, buf, sizeof buf, MSG_DONTWAIT) != 0) {
        std::this_thread::sleep_for(10ms);
      }
      if (!stop_) {
        ++closed_;  // by the client
      }
    }
    ::close(c);
  }

  std::map<std::string, Reply> replies_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> closed_{0};
  std::thread thread_;
  std::vector<std::thread> connections_;
  std::mutex m_;
  std::vector<std::string> requests_;
};

Reply ok(const std::string& body) {
  return {{"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body}};
}

// Reads `text` fed in pieces of `step` bytes, then the end of the connection.
ResponseReader read_in_steps(const std::string& text, size_t step, size_t max_body = ResponseReader::kMaxBody) {
  ResponseReader r(max_body);
  for (size_t at = 0; at < text.size(); at += step) {
    if (!r.feed(std::string_view(text).substr(at, step))) {
      return r;
    }
  }
  r.end();
  return r;
}

// What get_each fails with, as "kind: message"; "" when it does not fail.
std::string failure(const HttpClient& client, const std::vector<std::string>& paths) {
  try {
    client.get_each(paths, [](size_t, HttpResponse&&) {});
  } catch (const HttpError& e) {
    const char* kinds[] = {"connect", "timeout", "malformed", "cancelled"};
    return std::string(kinds[static_cast<int>(e.kind())]) + ": " + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("http: a response read in pieces of any size is the response read whole") {
  const std::string body = R"({"configs":[{"@type":"x"}]})";
  const std::vector<std::string> texts = {
      "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body + "trailing bytes are not the body",
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + body,  // until the connection closes
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\ncontent-type:  application/json \n\n" + body,  // bare LFs, a 1xx first
      "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.0 204 No Content\r\n\r\n",
  };
  for (const std::string& text : texts) {
    ResponseReader whole = read_in_steps(text, text.size());
    REQUIRE_MESSAGE(whole.complete(), text << ": " << whole.error());
    for (size_t step = 1; step < 40; ++step) {
      ResponseReader r = read_in_steps(text, step);
      CHECK_MESSAGE(r.complete(), text << " in pieces of " << step << ": " << r.error());
      CHECK(r.response().status == whole.response().status);
      CHECK(r.response().body == whole.response().body);
      CHECK(r.response().content_type == whole.response().content_type);
    }
  }
  CHECK(read_in_steps(texts[0], 7).response().body == body);
  CHECK(read_in_steps(texts[2], 3).response().content_type == "application/json");
  CHECK(read_in_steps(texts[3], 5).response().status == 404);
}

TEST_CASE("http: what is not a whole HTTP/1 response is one error line") {
  const std::map<std::string, std::string> cases = {
      {"", "the connection closed without a response"},
      {"HTTP/1.0 200 OK\r\nContent-Type: a", "the connection closed in the middle of its headers"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", "the connection closed after 10 of the 100 bytes of its body"},
      {"HTTP/2 200\r\n\r\n", "not an HTTP/1 status line: \"HTTP/2 200\""},
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1 status line: \"SSH-2.0-OpenSSH_9.2\""},
      {"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1 status line"},
      {"HTTP/1.1 099 Low\r\n\r\n", "status 99"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a malformed header line \"no colon here\""},
      {"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "a malformed header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "a malformed Content-Length \"12a\""},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "a malformed Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "a malformed Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "two different Content-Length headers"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       "Transfer-Encoding \"chunked\" in the answer to an HTTP/1.0 request"},
      {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", "Content-Encoding \"gzip\", which was not asked for"},
  };
  for (const auto& c : cases) {
    // Named members, not a structured binding: clang (the sanitizer build)
    // does not let doctest's message lambdas capture a binding.
    const auto& text = c.first;
    const auto& why = c.second;
    for (size_t step : {size_t{1}, size_t{3}, std::max<size_t>(text.size(), 1)}) {
      ResponseReader r = read_in_steps(text, step);
      CHECK_FALSE_MESSAGE(r.complete(), text);
      CHECK_MESSAGE(r.error().find(why) != std::string::npos, text << " -> " << r.error());
      CHECK(r.error().find('\n') == std::string::npos);
    }
  }
  SUBCASE("a head longer than 64 KiB, in one header or in many, or in 1xx heads") {
    const std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n";
    std::string many = "HTTP/1.1 200 OK\r\n";
    while (many.size() < 70000) {
      many += "X-Header: value\r\n";
    }
    std::string informational;
    while (informational.size() < 70000) {
      informational += "HTTP/1.1 102 Processing\r\n\r\n";
    }
    for (const std::string& text : {big, many + "\r\n", informational}) {
      for (size_t step : {size_t{1000}, size_t{65536}, text.size()}) {
        ResponseReader r = read_in_steps(text, step);
        CHECK_FALSE(r.complete());
        CHECK(r.error() == "its status line and headers are longer than 64 KiB");
      }
    }
  }
  SUBCASE("a body larger than the limit, announced or not") {
    ResponseReader announced = read_in_steps("HTTP/1.1 200 OK\r\nContent-Length: 3145728\r\n\r\n", 64, 2 << 20);
    CHECK(announced.error() == "its body is larger than 2 MiB (Content-Length 3145728)");
    ResponseReader until_close = read_in_steps("HTTP/1.1 200 OK\r\n\r\n" + std::string(3 << 20, 'x'), 65536, 2 << 20);
    CHECK(until_close.error() == "its body is larger than 2 MiB");
  }
}

TEST_CASE("http: GETs from a loopback server, each on its own connection, as HTTP/1.0") {
  std::string dump(300000, 'd');  // more than one read
  LoopbackServer server({{"/debug/syncz", ok("[]")},
                         {"/debug/config_dump?proxyID=a.b", {{"HTTP/1.1 200 OK\r\n\r\n", dump.substr(0, 1000), dump.substr(1000)}, 20ms}},
                         {"/version", {{"HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"}}}});
  HttpClient client("127.0.0.1", server.port(), 5000ms);
  std::map<size_t, HttpResponse> got;
  client.get_each({"/debug/syncz", "/debug/config_dump?proxyID=a.b", "/version"},
                  [&](size_t i, HttpResponse&& r) { got[i] = std::move(r); });
  REQUIRE(got.size() == 3);
  CHECK(got[0].status == 200);
  CHECK(got[0].body == "[]");
  CHECK(got[0].content_type == "application/json");
  CHECK(got[1].status == 200);
  CHECK(got[1].body == dump);  // until the connection closed
  CHECK(got[2].status == 404);
  CHECK(got[2].body == "not found");
  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  for (const std::string& r : requests) {
    CHECK(r.find(" HTTP/1.0\r\nHost: " + server.address() + "\r\n") != std::string::npos);
    CHECK(r.find("Accept-Encoding") == std::string::npos);
  }
}

TEST_CASE("http: a server that fails, lies or stalls ends the request with one line, in time") {
  SUBCASE("nothing listens") {
    int port = 0;
    {
      LoopbackServer gone({});
      port = std::stoi(gone.port());
    }
    CHECK(failure(HttpClient("127.0.0.1", std::to_string(port), 2000ms), {"/debug/syncz"}) ==
          "connect: connection refused");
  }
  SUBCASE("an unknown name") {
    CHECK(failure(HttpClient("no-such-host.invalid", "15014", 2000ms), {"/x"}).starts_with("connect: lookup no-such-host.invalid: "));
  }
  SUBCASE("a huge head, a short body, a bad status line") {
    LoopbackServer server({{"/huge", {{"HTTP/1.0 200 OK\r\n", "X: " + std::string(100000, 'h') + "\r\n\r\n"}, 0ms, true}},
                           {"/short", {{"HTTP/1.0 200 OK\r\nContent-Length: 50\r\n\r\n0123456789"}}},
                           {"/status", {{"HTTP/1.0 OK\r\n\r\n"}}}});
    HttpClient client("127.0.0.1", server.port(), 5000ms);
    CHECK(failure(client, {"/huge"}) == "malformed: a malformed answer to /huge: its status line and headers are longer than 64 KiB");
    CHECK(failure(client, {"/short"}) ==
          "malformed: a malformed answer to /short: the connection closed after 10 of the 50 bytes of its body");
    CHECK(failure(client, {"/status"}) == "malformed: a malformed answer to /status: not an HTTP/1 status line: \"HTTP/1.0 OK\"");
  }
  SUBCASE("a server that answers slowly, or never: --request-timeout") {
    LoopbackServer server({{"/slow", {{"HTTP/1.0 200 OK\r\n\r\n", "a", "b", "c", "d", "e", "f"}, 200ms}},
                           {"/never", {{}, 0ms, true}},
                           {"/fast", ok("{}")}});
    HttpClient client("127.0.0.1", server.port(), 300ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK(failure(client, {"/fast", "/slow"}) == "timeout: no complete answer to /slow within 0.3s (--request-timeout)");
    CHECK(failure(client, {"/never"}) == "timeout: no complete answer to /never within 0.3s (--request-timeout)");
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  SUBCASE("a readable cancel descriptor ends the requests in flight") {
    LoopbackServer server({{"/never", {{}, 0ms, true}}});
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::thread later([&] {
      std::this_thread::sleep_for(100ms);
      CHECK(::write(fds[1], "x", 1) == 1);
    });
    CHECK(failure(HttpClient("127.0.0.1", server.port(), 0ms, fds[0]), {"/never", "/never"}) == "cancelled: cancelled");
    later.join();
    ::close(fds[0]);
    ::close(fds[1]);
  }
}

TEST_CASE("http: --istiod-address reads istiod through this client, and says which istiod failed how") {
  LoopbackServer server({{"/debug/syncz", ok("[]")},
                         {"/version", {{"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\n1"}}},
                         {"/debug/config_dump?proxyID=x.y", {{"HTTP/1.0 500 Internal Server Error\r\n\r\nboom\nmore"}}}});
  kube::RestConfig config;
  config.request_timeout = 5000ms;
  config.verbosity = 6;
  IstiodOptions options;
  options.address = server.address();
  auto source = connect_istiod_apart(config, options);
  REQUIRE(source != nullptr);
  CHECK(source->instances() == std::vector<std::string>{server.address()});
  kube::Response syncz = source->get(0, "/debug/syncz");
  CHECK(syncz.status == 200);
  CHECK(syncz.body == "[]");
  CHECK(source->take_log().starts_with("GET http://" + server.address() + "/debug/syncz 200 in "));
  CHECK_THROWS_WITH_AS(source->get(0, "/version"),
                       ("--deep: istiod at " + server.address() +
                        " sent a malformed answer to /version: the connection closed after 1 of the 4 bytes of its "
                        "body: is it istiod's debug port?")
                           .c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(source->get(0, "/debug/config_dump?proxyID=x.y"),
                       ("--deep: istiod at " + server.address() + " answered 500 to /debug/config_dump: boom").c_str(),
                       Error);
  for (const std::string bad : {"istiod", "istiod:", "istiod:99999", "http://istiod:15014", "::1:15014", "[::1:15014"}) {
    options.address = bad;
    CHECK_THROWS_AS(connect_istiod_apart(config, options), UsageError);
  }
  options.address = "127.0.0.1:1";
  CHECK_THROWS_WITH_AS(connect_istiod_apart(config, options)->get(0, "/debug/syncz"),
                       "--deep: cannot reach istiod at 127.0.0.1:1: connection refused", Error);
}

TEST_CASE("http: a Fetch given up on before inspect cancels the request istiod does not answer, and joins its thread") {
  LoopbackServer server({{"/debug/syncz", {{}, 0ms, true}}, {"/version", {{}, 0ms, true}}});
  kube::RestConfig config;  // no --request-timeout: only the cancel ends the requests
  auto progress_after = std::make_shared<std::atomic<int>>(0);
  auto gone = std::make_shared<std::atomic<bool>>(false);
  {
    auto fetch = Fetch::start_cancellable(
        [&](int cancel_fd) {
          IstiodOptions o;
          o.address = server.address();
          o.cancel_fd = cancel_fd;
          return connect_istiod_apart(config, o);
        },
        [gone, progress_after](std::string_view) {
          if (*gone) {
            ++*progress_after;
          }
        });
    for (int i = 0; i < 500 && server.requests().size() < 2; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    REQUIRE(server.requests().size() == 2);
    *gone = true;
  }
  // The thread has ended: both connections are closed (the server sees it).
  for (int i = 0; i < 100 && server.closed() < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(server.closed() == 2);
  CHECK(*progress_after == 0);
}
