#include "core/mesh/protoset.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "core/util/error.hpp"
#include "core/util/files.hpp"

namespace grpcmesh::mesh {
namespace {

// Field numbers of google/protobuf/descriptor.proto.
constexpr std::uint64_t kSetFile = 1;          // FileDescriptorSet.file
constexpr std::uint64_t kFilePackage = 2;      // FileDescriptorProto.package
constexpr std::uint64_t kFileService = 6;      // FileDescriptorProto.service
constexpr std::uint64_t kServiceName = 1;      // ServiceDescriptorProto.name
constexpr std::uint64_t kServiceMethod = 2;    // ServiceDescriptorProto.method
constexpr std::uint64_t kMethodName = 1;       // MethodDescriptorProto.name
constexpr std::uint64_t kMethodClientStreaming = 5;
constexpr std::uint64_t kMethodServerStreaming = 6;

struct Field {
  std::uint64_t number = 0;
  std::uint64_t varint = 0;  // wire type 0
  std::string_view bytes;    // wire type 2
};

// Reads the fields of one message, one at a time.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  // The next field; nothing at the end. Throws std::runtime_error on bytes
  // that are not the wire format.
  std::optional<Field> next() {
    if (pos_ == data_.size()) {
      return std::nullopt;
    }
    const std::uint64_t tag = varint();
    Field f;
    f.number = tag >> 3;
    switch (tag & 7) {
      case 0:
        f.varint = varint();
        break;
      case 1:
        skip(8);
        break;
      case 2: {
        const std::uint64_t size = varint();
        if (size > data_.size() - pos_) {
          throw std::runtime_error("a length runs past the end");
        }
        f.bytes = data_.substr(pos_, size);
        pos_ += size;
        break;
      }
      case 5:
        skip(4);
        break;
      default:
        throw std::runtime_error(fmt::format("wire type {} of field {}", tag & 7, f.number));
    }
    if (f.number == 0) {
      throw std::runtime_error("field number 0");
    }
    return f;
  }

 private:
  std::uint64_t varint() {
    std::uint64_t out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == data_.size()) {
        throw std::runtime_error("a varint runs past the end");
      }
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return out;
      }
    }
    throw std::runtime_error("a varint longer than 10 bytes");
  }

  void skip(size_t n) {
    if (n > data_.size() - pos_) {
      throw std::runtime_error("a fixed-size field runs past the end");
    }
    pos_ += n;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

void read_service(std::string_view bytes, const std::string& package, std::vector<ProtosetMethod>& out) {
  std::string service;
  std::vector<std::string_view> methods;
  Reader r(bytes);
  while (auto f = r.next()) {
    if (f->number == kServiceName) {
      service = std::string(f->bytes);
    } else if (f->number == kServiceMethod) {
      methods.push_back(f->bytes);
    }
  }
  for (std::string_view m : methods) {
    ProtosetMethod method;
    method.service = package.empty() ? service : package + "." + service;
    Reader mr(m);
    while (auto f = mr.next()) {
      if (f->number == kMethodName) {
        method.name = std::string(f->bytes);
      } else if (f->number == kMethodClientStreaming) {
        method.client_streaming = f->varint != 0;
      } else if (f->number == kMethodServerStreaming) {
        method.server_streaming = f->varint != 0;
      }
    }
    out.push_back(std::move(method));
  }
}

}  // namespace

std::vector<ProtosetMethod> protoset_methods(std::string_view bytes, const std::string& source) {
  std::vector<ProtosetMethod> out;
  try {
    Reader set(bytes);
    size_t files = 0;
    while (auto file = set.next()) {
      if (file->number != kSetFile) {
        throw std::runtime_error(fmt::format("field {} where a FileDescriptorSet has only files", file->number));
      }
      ++files;
      std::string package;
      std::vector<std::string_view> services;
      Reader fr(file->bytes);
      while (auto f = fr.next()) {
        if (f->number == kFilePackage) {
          package = std::string(f->bytes);
        } else if (f->number == kFileService) {
          services.push_back(f->bytes);
        }
      }
      for (std::string_view s : services) {
        read_service(s, package, out);
      }
    }
    if (files == 0) {
      throw std::runtime_error("no file descriptor in it");
    }
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const Error*>(&e) != nullptr) {
      throw;
    }
    throw Error(fmt::format("{} is not a protoset ({}); write one with protoc --include_imports "
                            "--descriptor_set_out=FILE", source, e.what()));
  }
  return out;
}

std::vector<ProtosetMethod> read_protoset(const std::string& path, std::string_view option) {
  return protoset_methods(util::read_option_file(path, option), fmt::format("{} {}", option, path));
}

}  // namespace grpcmesh::mesh
