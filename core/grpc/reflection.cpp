#include "core/grpc/reflection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/grpc/status.hpp"
#include "core/util/error.hpp"
#include "grpcmesh/grpc/reflection.pb.h"

namespace grpcmesh::grpc {
namespace {

namespace wire = ::grpcmesh::grpc::reflection;

std::string method_for(const std::string& version) {
  return fmt::format("/grpc.reflection.{}.ServerReflection/ServerReflectionInfo", version);
}

}  // namespace

ReflectionClient::ReflectionClient(Connection& connection, CallSettings settings)
    : connection_(connection), settings_(std::move(settings)) {}

std::string ReflectionClient::ask(const std::string& request) {
  if (failed_) {
    throw *failed_;
  }
  try {
    for (const char* version : {"v1", "v1alpha"}) {
      if (!version_.empty() && version_ != version) {
        continue;
      }
      auto call = connection_.start(method_for(version), settings_, &request);
      std::string response;
      const bool answered = call->read(response);
      const CallOutcome status = call->finish();
      if (answered) {
        version_ = version;
        return response;
      }
      if (status.code == 12 && version_.empty() && std::string(version) == "v1") {
        continue;  // UNIMPLEMENTED: an older server, try v1alpha
      }
      if (status.code == 0) {
        throw Error("the server closed the reflection stream without answering");
      }
      if (status.code == 12) {
        throw Error(
            "the server does not support the reflection API (neither grpc.reflection.v1 nor v1alpha): "
            "pass the schema with -proto FILE or -protoset FILE");
      }
      throw Error(fmt::format("server reflection failed: {}: {}", code_name(status.code), status.message),
                  64 + status.code);
    }
    throw Error("server reflection failed");
  } catch (const Error& e) {
    failed_ = e;
    throw;
  }
}

std::vector<std::string> ReflectionClient::list_services() {
  wire::ReflectionRequest req;
  req.set_list_services("*");
  wire::ReflectionResponse resp;
  resp.ParseFromString(ask(req.SerializeAsString()));
  if (resp.has_error_response()) {
    throw Error(fmt::format("server reflection could not list services: {}", resp.error_response().error_message()));
  }
  std::vector<std::string> names;
  for (const auto& s : resp.list_services_response().service()) {
    names.push_back(s.name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

std::vector<std::string> files_of(const std::string& bytes) {
  wire::ReflectionResponse resp;
  resp.ParseFromString(bytes);
  if (!resp.has_file_descriptor_response()) {
    return {};  // error_response: NOT_FOUND and friends
  }
  const auto& files = resp.file_descriptor_response().file_descriptor_proto();
  return {files.begin(), files.end()};
}

}  // namespace

std::vector<std::string> ReflectionClient::file_by_filename(const std::string& name) {
  wire::ReflectionRequest req;
  req.set_file_by_filename(name);
  return files_of(ask(req.SerializeAsString()));
}

std::vector<std::string> ReflectionClient::file_containing_symbol(const std::string& symbol) {
  wire::ReflectionRequest req;
  req.set_file_containing_symbol(symbol);
  return files_of(ask(req.SerializeAsString()));
}

std::vector<std::string> ReflectionClient::file_containing_extension(const std::string& type, int number) {
  wire::ReflectionRequest req;
  req.mutable_file_containing_extension()->set_containing_type(type);
  req.mutable_file_containing_extension()->set_extension_number(number);
  return files_of(ask(req.SerializeAsString()));
}

std::optional<std::string> ReflectionDatabase::remember(const std::vector<std::string>& files) {
  std::optional<std::string> first;
  for (const std::string& bytes : files) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) {
      error_ = "the server sent a malformed file descriptor";
      return std::nullopt;
    }
    if (!first) {
      first = file.name();
    }
    files_.try_emplace(file.name(), std::move(file));
  }
  return first;
}

bool ReflectionDatabase::copy(const std::string& name, google::protobuf::FileDescriptorProto* output) {
  auto it = files_.find(name);
  if (it == files_.end()) {
    return false;
  }
  *output = it->second;
  return true;
}

bool ReflectionDatabase::FindFileByName(const std::string& filename, google::protobuf::FileDescriptorProto* output) {
  if (copy(filename, output)) {
    return true;
  }
  try {
    remember(client_.file_by_filename(filename));
  } catch (const Error& e) {
    error_ = e.what();
    return false;
  }
  return copy(filename, output);
}

bool ReflectionDatabase::FindFileContainingSymbol(const std::string& symbol_name,
                                                  google::protobuf::FileDescriptorProto* output) {
  if (auto it = symbol_file_.find(symbol_name); it != symbol_file_.end()) {
    return copy(it->second, output);
  }
  std::optional<std::string> name;
  try {
    name = remember(client_.file_containing_symbol(symbol_name));
  } catch (const Error& e) {
    error_ = e.what();
    return false;
  }
  if (!name) {
    return false;
  }
  symbol_file_[symbol_name] = *name;
  return copy(*name, output);
}

bool ReflectionDatabase::FindFileContainingExtension(const std::string& containing_type, int field_number,
                                                     google::protobuf::FileDescriptorProto* output) {
  std::optional<std::string> name;
  try {
    name = remember(client_.file_containing_extension(containing_type, field_number));
  } catch (const Error& e) {
    error_ = e.what();
    return false;
  }
  return name && copy(*name, output);
}

}  // namespace grpcmesh::grpc
