#pragma once

// Just enough PEM and DER (X.690) reading to pick fields out of certificates
// and private keys without loading libcrypto. Strict: anything outside the
// common shapes is reported as malformed, and callers then ask OpenSSL.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grpcmesh::tls::der {

inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kUtcTime = 0x17;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;

// [n] of a constructed (EXPLICIT, or IMPLICIT over a SEQUENCE) or a
// primitive (IMPLICIT over a primitive type) context-specific tag.
constexpr std::uint8_t constructed(int n) { return static_cast<std::uint8_t>(0xA0 | n); }
constexpr std::uint8_t primitive(int n) { return static_cast<std::uint8_t>(0x80 | n); }

struct Element {
  std::uint8_t tag = 0;
  std::string_view content;
};

// Reads the elements of one level, in order. Single-byte tags and definite
// lengths only (all DER has); a malformed element makes `failed()` true and
// every later read return nothing.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  // The next element, or nullopt at the end or when malformed.
  std::optional<Element> next();
  // The next element when it has `tag` (else nothing is consumed).
  std::optional<Element> next_if(std::uint8_t tag);
  // The next element, which must have `tag`; otherwise the reader fails.
  std::optional<Element> expect(std::uint8_t tag);

  bool at_end() const { return rest_.empty(); }
  bool failed() const { return failed_; }

 private:
  std::optional<Element> peek(size_t& size);

  std::string_view rest_;
  bool failed_ = false;
};

// An INTEGER's magnitude without the sign-padding zero bytes; nullopt for a
// negative or empty one.
std::optional<std::string_view> unsigned_integer(std::string_view content);

// A BIT STRING's bytes, when it has no unused bits.
std::optional<std::string_view> whole_bytes(std::string_view bit_string);

}  // namespace grpcmesh::tls::der

namespace grpcmesh::tls::pem {

struct Block {
  std::string label;  // "CERTIFICATE", "PRIVATE KEY", ...
  std::string der;    // the decoded body
  bool plain = true;  // false when it has RFC 1421 headers (e.g. an encrypted key), a blank line or bad base64
};

// The PEM blocks of `text`, in order, with any text around them skipped as
// OpenSSL does; nullopt when a block never ends, or when OpenSSL may read a
// marker line where this reader sees none (a line it splits, a byte order
// mark, high bytes at a line's end: see der.cpp).
std::optional<std::vector<Block>> blocks(std::string_view text);

}  // namespace grpcmesh::tls::pem
