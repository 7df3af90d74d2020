#include "core/grpc/schema.hpp"

#include <fmt/format.h>
#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/grpc/describe.hpp"
#include "core/grpc/reflection.hpp"
#include "core/util/error.hpp"

namespace grpcmesh::grpc {

namespace pb = google::protobuf;

class Schema::Collector : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string&, const pb::Message*, ErrorLocation,
                const std::string& message) override {
    if (first_.empty()) {
      first_ = filename + ": " + message;
    }
  }
  std::string first_;
};

Schema::Schema() = default;
Schema::~Schema() = default;

void Schema::init(pb::DescriptorDatabase& db) {
  collector_ = std::make_unique<Collector>();
  pool_ = std::make_unique<pb::DescriptorPool>(&db, collector_.get());
}

const pb::Descriptor* Schema::find_message(const std::string& name) {
  const pb::Descriptor* d = pool_->FindMessageTypeByName(name);
  check_source();
  return d;
}

const pb::ServiceDescriptor* Schema::find_service(const std::string& name) {
  const pb::ServiceDescriptor* d = pool_->FindServiceByName(name);
  check_source();
  return d;
}

const pb::MethodDescriptor* Schema::find_method(const std::string& name) {
  auto slash = name.find('/');
  if (slash == std::string::npos) {
    slash = name.rfind('.');
  }
  if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
    throw UsageError(fmt::format("given method name \"{}\" is not in expected format: 'service/method' or 'service.method'", name));
  }
  std::string service = name.substr(0, slash);
  std::string method = name.substr(slash + 1);
  const pb::ServiceDescriptor* sd = find_service(service);
  if (sd == nullptr) {
    throw Error(fmt::format("target server does not expose service \"{}\" (see 'list' for the services it has)", service));
  }
  const pb::MethodDescriptor* md = sd->FindMethodByName(method);
  if (md == nullptr) {
    throw Error(fmt::format("service \"{}\" does not include a method named \"{}\" (see 'list {}')", service, method, service));
  }
  return md;
}

std::string Schema::describe(const std::string& symbol) {
  // Load the file that defines the symbol (or, for a method, field or enum
  // value, its parent) so every kind of lookup below can see it.
  if (pool_->FindFileContainingSymbol(symbol) == nullptr) {
    check_source();
    if (auto dot = symbol.rfind('.'); dot != std::string::npos) {
      pool_->FindFileContainingSymbol(symbol.substr(0, dot));
    }
  }
  check_source();
  return describe_symbol(*pool_, symbol);
}

namespace {

// google/protobuf/*.proto from the protobuf library itself, so -proto files
// may import the well-known types without an -import-path for them (as
// grpcurl allows).
class WellKnownTypes : public pb::DescriptorDatabase {
 public:
  bool FindFileByName(const std::string& name, pb::FileDescriptorProto* output) override {
    if (name.rfind("google/protobuf/", 0) != 0) {
      return false;
    }
    return copy(pb::DescriptorPool::generated_pool()->FindFileByName(name), output);
  }
  bool FindFileContainingSymbol(const std::string& symbol, pb::FileDescriptorProto* output) override {
    if (symbol.rfind("google.protobuf.", 0) != 0) {
      return false;
    }
    return copy(pb::DescriptorPool::generated_pool()->FindFileContainingSymbol(symbol), output);
  }
  bool FindFileContainingExtension(const std::string&, int, pb::FileDescriptorProto*) override { return false; }

 private:
  static bool copy(const pb::FileDescriptor* file, pb::FileDescriptorProto* output) {
    if (file == nullptr) {
      return false;
    }
    file->CopyTo(output);
    return true;
  }
};

class ReflectionSchema : public Schema {
 public:
  explicit ReflectionSchema(ReflectionClient& client) : client_(client), db_(client) { init(db_); }
  std::vector<std::string> list_services() override { return client_.list_services(); }

 protected:
  void check_source() override {
    if (db_.error()) {
      throw Error(*db_.error());
    }
  }

 private:
  ReflectionClient& client_;
  ReflectionDatabase db_;
};

std::vector<std::string> services_of(const pb::DescriptorPool& pool, const std::vector<std::string>& files) {
  std::set<std::string> names;
  for (const std::string& f : files) {
    if (const pb::FileDescriptor* fd = pool.FindFileByName(f)) {
      for (int i = 0; i < fd->service_count(); ++i) {
        names.insert(fd->service(i)->full_name());
      }
    }
  }
  return {names.begin(), names.end()};
}

class ProtoErrors : public pb::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = fmt::format("{}:{}:{}: {}", filename, line + 1, column + 1, message);
    }
  }
  std::string first_;
};

class ProtoFileSchema : public Schema {
 public:
  ProtoFileSchema(const std::vector<std::string>& protos, const std::vector<std::string>& import_paths)
      : db_(&tree_), merged_(&db_, &wkt_), files_(protos) {
    for (const std::string& dir : import_paths) {
      tree_.MapPath("", dir);
    }
    if (import_paths.empty()) {
      tree_.MapPath("", ".");
    }
    db_.RecordErrorsTo(&errors_);
    init(merged_);
    for (const std::string& f : protos) {
      if (pool().FindFileByName(f) == nullptr) {
        std::string why = errors_.first_.empty() ? tree_.GetLastErrorMessage() : errors_.first_;
        throw Error(fmt::format("could not parse -proto {}: {} (check -import-path)", f, why));
      }
    }
  }
  std::vector<std::string> list_services() override { return services_of(pool(), files_); }

 private:
  pb::compiler::DiskSourceTree tree_;
  pb::compiler::SourceTreeDescriptorDatabase db_;
  WellKnownTypes wkt_;
  pb::MergedDescriptorDatabase merged_;
  ProtoErrors errors_;
  std::vector<std::string> files_;
};

class ProtosetSchema : public Schema {
 public:
  explicit ProtosetSchema(const std::vector<std::string>& protosets) : merged_(&db_, &wkt_) {
    for (const std::string& path : protosets) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        throw Error(fmt::format("could not read -protoset {}: no such file or not readable", path));
      }
      pb::FileDescriptorSet set;
      if (!set.ParseFromIstream(&in)) {
        throw Error(fmt::format("could not parse -protoset {}: not a serialized FileDescriptorSet "
                                "(create one with protoc --include_imports --descriptor_set_out)",
                                path));
      }
      for (const auto& file : set.file()) {
        names_.push_back(file.name());
        db_.Add(file);  // duplicates across sets are ignored when identical
      }
    }
    init(merged_);
  }
  std::vector<std::string> list_services() override { return services_of(pool(), names_); }

 private:
  pb::SimpleDescriptorDatabase db_;
  WellKnownTypes wkt_;
  pb::MergedDescriptorDatabase merged_;
  std::vector<std::string> names_;
};

}  // namespace

std::unique_ptr<Schema> reflection_schema(ReflectionClient& client) {
  return std::make_unique<ReflectionSchema>(client);
}

std::unique_ptr<Schema> proto_file_schema(const std::vector<std::string>& protos,
                                          const std::vector<std::string>& import_paths) {
  return std::make_unique<ProtoFileSchema>(protos, import_paths);
}

std::unique_ptr<Schema> protoset_schema(const std::vector<std::string>& protosets) {
  return std::make_unique<ProtosetSchema>(protosets);
}

}  // namespace grpcmesh::grpc
