#include "core/kube/transport.hpp"

#include <doctest/doctest.h>

#include <deque>

using grpcmesh::kube::Exchange;
using grpcmesh::kube::Transport;

namespace {

// A transport whose exchanges end in a scripted order, one per drive().
class ScriptedTransport final : public Transport {
 public:
  std::deque<Exchange*> order;  // the order in which started exchanges end
  int drives = 0;
  void set_client_certificate(const std::string&, const std::string&) override {}
  void start(Exchange&) override {}
  void abandon() override {
    ended_.clear();
    order.clear();
  }

 protected:
  Exchange* drive() override {
    ++drives;
    if (order.empty()) {
      return nullptr;
    }
    Exchange* x = order.front();
    order.pop_front();
    return x;
  }
};

}  // namespace

TEST_CASE("transport: wait_for keeps the exchanges that end first for next_done, in order") {
  ScriptedTransport t;
  Exchange a, b, c;
  t.order = {&a, &b, &c};
  t.wait_for(c);  // a and b end while c is awaited
  CHECK(t.drives == 3);
  CHECK(t.next_done() == &a);
  CHECK(t.next_done() == &b);
  CHECK(t.drives == 3);  // handed over without driving again
  CHECK(t.next_done() == nullptr);
}

TEST_CASE("transport: wait_for on an exchange that already ended does not drive") {
  ScriptedTransport t;
  Exchange a, b;
  t.order = {&a, &b};
  t.wait_for(b);
  t.wait_for(a);  // a ended while b was awaited
  CHECK(t.drives == 2);
  CHECK(t.next_done() == nullptr);
}

TEST_CASE("transport: abandon forgets what ended but was not handed over") {
  ScriptedTransport t;
  Exchange a, b;
  t.order = {&a, &b};
  t.wait_for(b);
  t.abandon();
  CHECK(t.next_done() == nullptr);
}
