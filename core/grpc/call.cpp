#include "core/grpc/call.hpp"

#include <future>

namespace grpcmesh::grpc {

::grpc::ByteBuffer to_buffer(const std::string& bytes) {
  ::grpc::Slice slice(bytes);
  return ::grpc::ByteBuffer(&slice, 1);
}

std::string from_buffer(const ::grpc::ByteBuffer& buffer) {
  std::vector<::grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  out.reserve(buffer.Length());
  for (const ::grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

Metadata to_metadata(const std::multimap<::grpc::string_ref, ::grpc::string_ref>& md) {
  Metadata out;
  for (const auto& [k, v] : md) {
    out.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
  }
  return out;
}

CallQueue::CallQueue() {
  drain_ = std::thread([this] {
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      auto* op = static_cast<Op*>(tag);
      std::lock_guard lock(op->mu_);
      op->done_ = true;
      op->ok_ = ok;
      op->cv_.notify_all();
    }
  });
}

CallQueue::~CallQueue() {
  cq_.Shutdown();
  drain_.join();
}

bool CallQueue::Op::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return done_; });
  return ok_;
}

StreamCall::StreamCall(::grpc::GenericStub& stub, CallQueue& queue, const std::string& method,
                       std::unique_ptr<::grpc::ClientContext> context)
    : queue_(queue), context_(std::move(context)) {
  stream_ = stub.PrepareCall(context_.get(), method, &queue_.cq());
  CallQueue::Op op;
  stream_->StartCall(&op);
  started_ = op.wait();
}

StreamCall::~StreamCall() {
  if (!finished_) {
    context_->TryCancel();
    finish();
  }
}

bool StreamCall::write(const std::string& bytes) {
  if (!started_) {
    return false;
  }
  CallQueue::Op op;
  stream_->Write(to_buffer(bytes), &op);
  return op.wait();
}

bool StreamCall::writes_done() {
  if (!started_) {
    return false;
  }
  CallQueue::Op op;
  stream_->WritesDone(&op);
  return op.wait();
}

bool StreamCall::read_initial_metadata() {
  if (!started_ || metadata_read_) {
    return metadata_read_;
  }
  CallQueue::Op op;
  stream_->ReadInitialMetadata(&op);
  metadata_read_ = op.wait();
  return metadata_read_;
}

bool StreamCall::read(std::string& bytes) {
  if (!started_) {
    return false;
  }
  ::grpc::ByteBuffer buffer;
  CallQueue::Op op;
  stream_->Read(&buffer, &op);
  if (!op.wait()) {
    return false;
  }
  metadata_read_ = true;
  bytes = from_buffer(buffer);
  return true;
}

::grpc::Status StreamCall::finish() {
  finished_ = true;
  ::grpc::Status status;
  CallQueue::Op op;
  stream_->Finish(&status, &op);
  op.wait();
  return status;
}

::grpc::Status unary_call(::grpc::GenericStub& stub, ::grpc::ClientContext& context, const std::string& method,
                          const std::string& request, std::string& response) {
  ::grpc::ByteBuffer req = to_buffer(request);
  ::grpc::ByteBuffer resp;
  std::promise<::grpc::Status> done;
  stub.UnaryCall(&context, method, ::grpc::StubOptions(), &req, &resp,
                 [&done](::grpc::Status s) { done.set_value(std::move(s)); });
  ::grpc::Status status = done.get_future().get();
  if (status.ok()) {
    response = from_buffer(resp);
  }
  return status;
}

}  // namespace grpcmesh::grpc
