// grpcmesh-cppserver: a gRPC server built from Debian's gRPC C++ 1.51, whose
// reflection plugin serves only grpc.reflection.v1alpha (as older C++ and
// Java servers do). Tests use it to prove the client falls back from v1.
// Binds 127.0.0.1 on a free port and prints "listening on 127.0.0.1:PORT".
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "grpcmesh/cppserver/v1/cppserver.grpc.pb.h"

namespace {

class EchoService final : public grpcmesh::cppserver::v1::Echo::Service {
  grpc::Status Say(grpc::ServerContext* context, const grpcmesh::cppserver::v1::SayRequest* request,
                   grpcmesh::cppserver::v1::SayReply* reply) override {
    reply->set_text(request->text());
    grpc::string_ref authority = context->ExperimentalGetAuthority();
    reply->set_authority(std::string(authority.data(), authority.size()));
    reply->mutable_at()->set_seconds(1700000000);
    return grpc::Status::OK;
  }
};

}  // namespace

int main() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "grpcmesh-cppserver: could not listen on 127.0.0.1\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  server->Shutdown();
  return 0;
}
