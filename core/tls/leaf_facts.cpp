#include "core/tls/leaf_facts.hpp"

#include <chrono>
#include <cstdint>

#include "core/tls/der.hpp"

namespace grpcmesh::tls {
namespace {

using der::Element;
using der::Reader;

// Object identifiers, as their DER contents.
constexpr std::string_view kRsaEncryption("\x2A\x86\x48\x86\xF7\x0D\x01\x01\x01", 9);  // 1.2.840.113549.1.1.1
constexpr std::string_view kEcPublicKey("\x2A\x86\x48\xCE\x3D\x02\x01", 7);            // 1.2.840.10045.2.1
constexpr std::string_view kSubjectAltName("\x55\x1D\x11", 3);                         // 2.5.29.17

// The named curves read here, with the size of an uncompressed point.
struct Curve {
  std::string_view oid;
  size_t point_size;
};
constexpr Curve kCurves[] = {
    {std::string_view("\x2A\x86\x48\xCE\x3D\x03\x01\x07", 8), 65},  // P-256 (1.2.840.10045.3.1.7)
    {std::string_view("\x2B\x81\x04\x00\x22", 5), 97},                 // P-384 (1.3.132.0.34)
    {std::string_view("\x2B\x81\x04\x00\x23", 5), 133},                // P-521 (1.3.132.0.35)
};

// An uncompressed point of the right size on one of kCurves. (Whether it is
// on the curve is not checked: equal points in the certificate and the key
// are what matching needs.)
bool known_point(std::string_view curve, std::string_view point) {
  for (const Curve& c : kCurves) {
    if (c.oid == curve) {
      return point.size() == c.point_size && point[0] == '\x04';
    }
  }
  return false;
}

// A public key as EVP_PKEY_eq compares it: RSA by modulus and exponent, EC by
// curve and point.
struct PublicKey {
  enum class Type { Rsa, Ec } type = Type::Rsa;
  std::string_view modulus, exponent;  // RSA, without sign padding
  std::string_view curve, point;       // EC: the named curve's OID, the encoded point
};

// The contents of the one SEQUENCE that `der` is, nothing before or after.
std::optional<std::string_view> sole_sequence(std::string_view der) {
  Reader outer(der);
  auto seq = outer.expect(der::kSequence);
  if (!seq || !outer.at_end()) {
    return std::nullopt;
  }
  return seq->content;
}

std::optional<int> digits(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return std::nullopt;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ", the only
// forms RFC 5280 allows; other forms are left to OpenSSL.
std::optional<Clock::time_point> time_of(const Element& e) {
  const std::string_view s = e.content;
  const size_t year_digits = e.tag == der::kUtcTime ? 2 : e.tag == der::kGeneralizedTime ? 4 : 0;
  if (year_digits == 0 || s.size() != year_digits + 11 || s.back() != 'Z') {
    return std::nullopt;
  }
  auto year = digits(s, 0, year_digits);
  auto month = digits(s, year_digits, 2), day = digits(s, year_digits + 2, 2);
  auto hour = digits(s, year_digits + 4, 2), minute = digits(s, year_digits + 6, 2);
  auto second = digits(s, year_digits + 8, 2);
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  if (year_digits == 2) {
    *year += *year >= 50 ? 1900 : 2000;  // RFC 5280 4.1.2.5.1
  }
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return Clock::time_point(std::chrono::sys_days(date)) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, and
// the start of RSAPrivateKey, which has a version first.
std::optional<PublicKey> rsa_key(std::string_view der, bool with_version) {
  auto seq = sole_sequence(der);
  if (!seq) {
    return std::nullopt;
  }
  Reader r(*seq);
  if (with_version) {  // 0: two primes; multi-prime keys are left to OpenSSL
    auto version = r.expect(der::kInteger);
    if (!version || version->content != std::string_view("\0", 1)) {
      return std::nullopt;
    }
  }
  auto n = r.expect(der::kInteger);
  auto e = r.expect(der::kInteger);
  if (with_version) {
    for (int i = 0; i < 6; ++i) {  // d, p, q, dP, dQ, qInv: checked, never kept
      if (auto part = r.expect(der::kInteger); !part || part->content.empty()) {
        return std::nullopt;
      }
    }
  }
  if (!n || !e || r.failed() || !r.at_end()) {
    return std::nullopt;
  }
  auto modulus = der::unsigned_integer(n->content), exponent = der::unsigned_integer(e->content);
  if (!modulus || !exponent) {
    return std::nullopt;
  }
  return PublicKey{PublicKey::Type::Rsa, *modulus, *exponent, {}, {}};
}

// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
//   parameters [0] OID OPTIONAL, publicKey [1] BIT STRING OPTIONAL }.
// `curve` is the PKCS#8 algorithm's parameter, if any. The public point must
// be there: computing it would need EC arithmetic.
std::optional<PublicKey> ec_private_key(std::string_view der, std::string_view curve) {
  auto seq = sole_sequence(der);
  if (!seq) {
    return std::nullopt;
  }
  Reader r(*seq);
  auto version = r.expect(der::kInteger);
  auto secret = r.expect(der::kOctetString);
  auto params = r.next_if(der::constructed(0));
  auto public_key = r.next_if(der::constructed(1));
  if (!version || version->content != std::string_view("\x01", 1) || !secret || !public_key || !r.at_end() ||
      r.failed()) {
    return std::nullopt;
  }
  if (params) {
    Reader p(params->content);
    auto oid = p.expect(der::kOid);
    if (!oid || !p.at_end() || (!curve.empty() && curve != oid->content)) {
      return std::nullopt;
    }
    curve = oid->content;
  }
  Reader pk(public_key->content);
  auto bits = pk.expect(der::kBitString);
  auto point = bits ? der::whole_bytes(bits->content) : std::nullopt;
  if (!point || !pk.at_end() || curve.empty()) {
    return std::nullopt;
  }
  return PublicKey{PublicKey::Type::Ec, {}, {}, curve, *point};
}

// An OBJECT IDENTIFIER's contents as X.690 8.19 has them: base-128
// subidentifiers, none with a leading 0x80, the last byte ending one.
bool valid_oid(std::string_view oid) {
  if (oid.empty() || (static_cast<std::uint8_t>(oid.back()) & 0x80)) {
    return false;
  }
  bool starts_subidentifier = true;
  for (char ch : oid) {
    const auto b = static_cast<std::uint8_t>(ch);
    if (starts_subidentifier && b == 0x80) {
      return false;
    }
    starts_subidentifier = (b & 0x80) == 0;
  }
  return true;
}

// The next element, which must be an OBJECT IDENTIFIER.
std::optional<Element> expect_oid(Reader& r) {
  auto oid = r.expect(der::kOid);
  if (oid && !valid_oid(oid->content)) {
    return std::nullopt;
  }
  return oid;
}

// An INTEGER with at least one content byte.
bool valid_integer(const std::optional<Element>& e) { return e && !e->content.empty(); }

// AlgorithmIdentifier, any algorithm: SEQUENCE { OID, parameters OPTIONAL }.
bool valid_algorithm(const std::optional<Element>& e) {
  if (!e) {
    return false;
  }
  Reader r(e->content);
  if (!expect_oid(r)) {
    return false;
  }
  r.next();  // parameters, if any
  return !r.failed() && r.at_end();
}

// UTF-8 as RFC 3629 and OpenSSL's UTF8_getc read it: no overlong forms, no
// surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    if (n == 4 || i + n >= s.size()) {
      return false;
    }
    uint32_t value = n == 0 ? c : c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      value = (value << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
    if (value < kLeast[n] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// The code units of a BMPString (2 bytes) or UniversalString (4 bytes), big endian.
template <size_t Width>
bool valid_units(std::string_view s) {
  if (s.size() % Width != 0) {
    return false;
  }
  for (size_t i = 0; i < s.size(); i += Width) {
    uint32_t unit = 0;
    for (size_t k = 0; k < Width; ++k) {
      unit = (unit << 8) | static_cast<unsigned char>(s[i + k]);
    }
    if (unit > 0x10FFFF || (unit >= 0xD800 && unit <= 0xDFFF)) {
      return false;
    }
  }
  return true;
}

// An attribute value of a name as OpenSSL decodes it: a string type its
// DirectoryString CHOICE takes (measured: an OBJECT IDENTIFIER, a
// VisibleString or a UTCTime there make it refuse the certificate) whose
// text it converts to UTF-8. The types read here are the ones certificates
// use; any other leaves the certificate to OpenSSL.
bool valid_name_value(uint8_t tag, std::string_view text) {
  switch (tag) {
    case 0x0C: return valid_utf8(text);           // UTF8String
    case 0x12:                                    // NumericString
    case 0x13:                                    // PrintableString
    case 0x14:                                    // T61String
    case 0x16: return true;                       // IA5String: bytes, as Latin-1
    case 0x1C: return valid_units<4>(text);       // UniversalString
    case 0x1E: return valid_units<2>(text);       // BMPString: no surrogates
    default: return false;
  }
}

// Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }. OpenSSL
// converts each value to UTF-8 when it decodes the name, and refuses the
// certificate when a UTF8String, BMPString or UniversalString cannot be.
bool valid_name(const std::optional<Element>& e) {
  if (!e) {
    return false;
  }
  Reader rdns(e->content);
  while (auto rdn = rdns.next()) {
    Reader attributes(rdn->content);
    if (rdn->tag != der::kSet || attributes.at_end()) {
      return false;
    }
    while (auto attribute = attributes.next()) {
      Reader a(attribute->content);
      auto value = expect_oid(a) ? a.next() : std::nullopt;
      if (attribute->tag != der::kSequence || !value || (value->tag & 0x20) || !a.at_end()) {
        return false;
      }
      if (!valid_name_value(value->tag, value->content)) {
        return false;
      }
    }
    if (attributes.failed()) {
      return false;
    }
  }
  return !rdns.failed();
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
// for RSA (NULL or no parameters) and EC (a named curve).
struct Algorithm {
  std::string_view oid;
  std::string_view curve;
};

std::optional<Algorithm> algorithm_of(const Element& e) {
  Reader r(e.content);
  auto oid = expect_oid(r);
  if (!oid) {
    return std::nullopt;
  }
  Algorithm a{oid->content, {}};
  if (a.oid == kRsaEncryption) {
    auto null = r.next_if(der::kNull);
    if (null && !null->content.empty()) {
      return std::nullopt;
    }
  } else if (a.oid == kEcPublicKey) {
    auto curve = expect_oid(r);
    if (!curve) {
      return std::nullopt;
    }
    a.curve = curve->content;
  } else {
    return std::nullopt;
  }
  if (!r.at_end()) {
    return std::nullopt;
  }
  return a;
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
std::optional<PublicKey> subject_public_key(const Element& spki) {
  Reader r(spki.content);
  auto alg = r.expect(der::kSequence);
  auto bits = r.expect(der::kBitString);
  if (!alg || !bits || !r.at_end()) {
    return std::nullopt;
  }
  auto algorithm = algorithm_of(*alg);
  auto key = der::whole_bytes(bits->content);
  if (!algorithm || !key) {
    return std::nullopt;
  }
  if (algorithm->oid == kRsaEncryption) {
    return rsa_key(*key, false);
  }
  return PublicKey{PublicKey::Type::Ec, {}, {}, algorithm->curve, *key};
}

// The DNS names of a subjectAltName extension's value (GeneralNames).
std::optional<std::vector<std::string>> dns_names_of(std::string_view value) {
  auto names = sole_sequence(value);
  if (!names) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  Reader r(*names);
  while (auto name = r.next()) {
    switch (name->tag) {
      case der::primitive(2):  // dNSName [2] IA5String
        out.emplace_back(name->content);
        break;
      // The other GeneralName choices, each in its form (RFC 5280 4.2.1.6):
      // otherName, x400Address, directoryName, ediPartyName are constructed;
      // rfc822Name, uniformResourceIdentifier, iPAddress, registeredID not.
      case der::constructed(0):
      case der::constructed(3):
      case der::constructed(4):
      case der::constructed(5):
      case der::primitive(1):
      case der::primitive(6):
      case der::primitive(7):
      case der::primitive(8):
        break;
      default:  // OpenSSL reads no names at all from these
        return std::nullopt;
    }
  }
  if (r.failed()) {
    return std::nullopt;
  }
  return out;
}

struct Certificate {
  LeafFacts facts;
  std::optional<PublicKey> key;  // nullopt: a key type left to OpenSSL
};

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
// (RFC 5280 4.1), read field by field.
std::optional<Certificate> certificate_of(std::string_view der) {
  auto cert = sole_sequence(der);
  if (!cert) {
    return std::nullopt;
  }
  Reader c(*cert);
  auto tbs = c.expect(der::kSequence);
  auto signature_algorithm = c.expect(der::kSequence);
  auto signature = c.expect(der::kBitString);
  if (!tbs || !signature_algorithm || !signature || !c.at_end()) {
    return std::nullopt;
  }
  if (!valid_algorithm(signature_algorithm) || signature->content.empty() ||
      static_cast<std::uint8_t>(signature->content[0]) > 7) {
    return std::nullopt;
  }
  Reader t(tbs->content);
  if (auto version = t.next_if(der::constructed(0))) {
    Reader v(version->content);
    if (!valid_integer(v.expect(der::kInteger)) || !v.at_end()) {
      return std::nullopt;
    }
  }
  const bool fields_ok = valid_integer(t.expect(der::kInteger))  // serialNumber
                         && valid_algorithm(t.expect(der::kSequence))  // signature
                         && valid_name(t.expect(der::kSequence));      // issuer
  auto validity = t.expect(der::kSequence);
  const bool subject_ok = valid_name(t.expect(der::kSequence));
  auto spki = t.expect(der::kSequence);
  t.next_if(der::primitive(1));  // issuerUniqueID
  t.next_if(der::primitive(2));  // subjectUniqueID
  auto extensions = t.next_if(der::constructed(3));
  if (!fields_ok || !subject_ok || t.failed() || !t.at_end() || !validity || !spki) {
    return std::nullopt;
  }
  Certificate out;
  Reader v(validity->content);
  auto not_before = v.next(), not_after = v.next();
  if (!not_before || !not_after || !v.at_end()) {
    return std::nullopt;
  }
  auto from = time_of(*not_before), to = time_of(*not_after);
  if (!from || !to) {
    return std::nullopt;
  }
  out.facts.not_before = *from;
  out.facts.not_after = *to;
  out.key = subject_public_key(*spki);
  if (extensions) {
    Reader x(extensions->content);
    auto list = x.expect(der::kSequence);
    if (!list || !x.at_end()) {
      return std::nullopt;
    }
    Reader each(list->content);
    bool seen_san = false;
    while (auto ext = each.next()) {
      Reader e(ext->content);
      auto oid = expect_oid(e);
      e.next_if(der::kBoolean);  // critical
      auto value = e.expect(der::kOctetString);
      if (ext->tag != der::kSequence || !oid || !value || !e.at_end()) {
        return std::nullopt;
      }
      if (oid->content == kSubjectAltName) {
        auto names = dns_names_of(value->content);
        if (seen_san || !names) {  // OpenSSL reads no names from either
          return std::nullopt;
        }
        seen_san = true;
        out.facts.dns_names = std::move(*names);
      }
    }
    if (each.failed()) {
      return std::nullopt;
    }
  }
  return out;
}

// The public half of an unencrypted private key: PKCS#8 (PRIVATE KEY),
// PKCS#1 (RSA PRIVATE KEY) or SEC1 (EC PRIVATE KEY).
std::optional<PublicKey> private_key_of(const pem::Block& block) {
  if (block.label == "RSA PRIVATE KEY") {
    return rsa_key(block.der, true);
  }
  if (block.label == "EC PRIVATE KEY") {
    return ec_private_key(block.der, {});
  }
  if (block.label != "PRIVATE KEY") {
    return std::nullopt;
  }
  // PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm, privateKey
  //   OCTET STRING, attributes [0] OPTIONAL, publicKey [1] OPTIONAL }
  auto seq = sole_sequence(block.der);
  if (!seq) {
    return std::nullopt;
  }
  Reader r(*seq);
  auto version = r.expect(der::kInteger);
  auto alg = r.expect(der::kSequence);
  auto key = r.expect(der::kOctetString);
  r.next_if(der::constructed(0));
  r.next_if(der::primitive(1));
  if (!version || (version->content != std::string_view("\0", 1) && version->content != "\x01") || !alg || !key ||
      !r.at_end() || r.failed()) {
    return std::nullopt;
  }
  auto algorithm = algorithm_of(*alg);
  if (!algorithm) {
    return std::nullopt;
  }
  if (algorithm->oid == kRsaEncryption) {
    return rsa_key(key->content, true);
  }
  return ec_private_key(key->content, algorithm->curve);
}

}  // namespace

std::optional<LeafFacts> read_matching_leaf(std::string_view cert_pem, std::string_view key_pem) {
  auto cert_blocks = pem::blocks(cert_pem);
  auto key_blocks = pem::blocks(key_pem);
  if (!cert_blocks || !key_blocks || key_pem.find("ENCRYPTED") != std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<Certificate> leaf;
  for (const pem::Block& block : *cert_blocks) {
    if (block.label == "X509 CERTIFICATE" || block.label == "TRUSTED CERTIFICATE") {
      return std::nullopt;  // OpenSSL reads these too, differently
    }
    if (block.label != "CERTIFICATE") {
      if (!block.plain) {
        return std::nullopt;  // OpenSSL decodes each block it passes, and may refuse this one
      }
      continue;  // skipped by OpenSSL as well, once decoded
    }
    auto cert = block.plain ? certificate_of(block.der) : std::nullopt;
    if (!cert || !cert->key) {
      return std::nullopt;  // OpenSSL decodes each certificate's public key too, and may refuse it
    }
    if (!leaf) {
      leaf = std::move(cert);
    }
  }
  const pem::Block* key_block = nullptr;
  for (const pem::Block& block : *key_blocks) {
    if (block.label.ends_with("PRIVATE KEY")) {
      key_block = &block;
      break;
    }
  }
  if (!leaf || !leaf->key || key_block == nullptr || !key_block->plain) {
    return std::nullopt;
  }
  auto key = private_key_of(*key_block);
  if (!key) {
    return std::nullopt;
  }
  const PublicKey& a = *leaf->key;
  const bool same = a.type == key->type &&
                    (a.type == PublicKey::Type::Rsa ? a.modulus == key->modulus && a.exponent == key->exponent
                                                    : a.curve == key->curve && a.point == key->point &&
                                                          known_point(a.curve, a.point));
  if (!same) {
    return std::nullopt;  // rare, and OpenSSL says why (a damaged key, say)
  }
  return std::move(leaf->facts);
}

LeafFacts leaf_facts(const CertificateInfo& info) { return LeafFacts{info.not_before, info.not_after, info.dns_names}; }

}  // namespace grpcmesh::tls
