#include "core/kube/transport.hpp"

namespace grpcmesh::kube {

Exchange* Transport::next_done() {
  if (!ended_.empty()) {
    Exchange* x = ended_.front();
    ended_.pop_front();
    return x;
  }
  return drive();
}

void Transport::wait_for(Exchange& exchange) {
  for (;;) {
    for (auto it = ended_.begin(); it != ended_.end(); ++it) {
      if (*it == &exchange) {
        ended_.erase(it);
        return;
      }
    }
    Exchange* x = drive();
    if (x == nullptr || x == &exchange) {
      return;
    }
    ended_.push_back(x);
  }
}

}  // namespace grpcmesh::kube
