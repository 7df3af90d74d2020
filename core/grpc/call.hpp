#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace grpcmesh::grpc {

// Message bytes <-> gRPC byte buffers.
::grpc::ByteBuffer to_buffer(const std::string& bytes);
std::string from_buffer(const ::grpc::ByteBuffer& buffer);

// Drains one completion queue on its own thread and wakes whoever waits for
// each operation, so a stream can be written and read from two threads with
// plain blocking calls.
class CallQueue {
 public:
  CallQueue();
  ~CallQueue();
  CallQueue(const CallQueue&) = delete;
  CallQueue& operator=(const CallQueue&) = delete;

  ::grpc::CompletionQueue& cq() { return cq_; }

  // One pending operation: pass `this` as the tag, then wait().
  class Op {
   public:
    bool wait();  // the operation's ok flag

   private:
    friend class CallQueue;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    bool ok_ = false;
  };

 private:
  ::grpc::CompletionQueue cq_;
  std::thread drain_;
};

// Metadata as received, in a stable order.
using Metadata = std::multimap<std::string, std::string>;
Metadata to_metadata(const std::multimap<::grpc::string_ref, ::grpc::string_ref>& md);

// A streaming call (client, server or bidirectional) with blocking methods.
// write/writes_done may run on one thread while read runs on another.
class StreamCall {
 public:
  StreamCall(::grpc::GenericStub& stub, CallQueue& queue, const std::string& method,
             std::unique_ptr<::grpc::ClientContext> context);
  ~StreamCall();

  bool write(const std::string& bytes);  // false: the call is over, see finish()
  bool writes_done();
  bool read(std::string& bytes);  // false: no more messages
  bool read_initial_metadata();
  ::grpc::Status finish();
  ::grpc::ClientContext& context() { return *context_; }

 private:
  CallQueue& queue_;
  std::unique_ptr<::grpc::ClientContext> context_;
  std::unique_ptr<::grpc::GenericClientAsyncReaderWriter> stream_;
  bool started_ = false;
  bool metadata_read_ = false;
  bool finished_ = false;
};

// A unary call through the callback API: blocks until the call ends.
::grpc::Status unary_call(::grpc::GenericStub& stub, ::grpc::ClientContext& context, const std::string& method,
                          const std::string& request, std::string& response);

}  // namespace grpcmesh::grpc
