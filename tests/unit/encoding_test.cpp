// Byte-level helpers: the ids of receipts (UUID v5), payload fingerprints (SHA-256), the base64 of
// dead letters whose payload is not text, and the UTF-8 check that decides that.
//
// Every expected value below comes from an outside reference, never from kassa itself:
//  - UUID v5: RFC 4122 / Python's `uuid.uuid5(namespace, name)` (values pasted from python3);
//  - SHA-256: FIPS 180-2 test vectors, and python3's hashlib for the Cyrillic one;
//  - base64: the test vectors of RFC 4648 section 10, and python3's base64 for the binary ones.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

constexpr std::string_view kNamespaceDns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr std::string_view kNamespaceUrl = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
constexpr std::string_view kNamespaceOid = "6ba7b812-9dad-11d1-80b4-00c04fd430c8";

struct UuidCase {
  const char* why;
  std::string_view namespace_uuid;
  std::string name;
  const char* expected;
};

TEST(Encoding, UuidV5MatchesKnownVectors) {
  const UuidCase cases[] = {
      {"the classic example: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')", kNamespaceDns,
       "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
      {"uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com')", kNamespaceDns, "www.example.com",
       "2ed6657d-e927-568b-95e1-2665a8aea6a2"},
      {"uuid.uuid5(uuid.NAMESPACE_URL, 'http://python.org/')", kNamespaceUrl, "http://python.org/",
       "4c565f0d-3f5a-5890-b41b-20cf47701c5e"},
      {"uuid.uuid5(uuid.NAMESPACE_OID, '1.2.3')", kNamespaceOid, "1.2.3",
       "42d5e23b-3a02-5135-85c6-52d1102f1f00"},
      {"the same namespace written in capitals is the same namespace",
       "6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org",
       "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
      {"kassa's output namespace: the prepayment receipt id of an event (contract section 2)",
       kOutputNamespace, "1b4e28ba-2fa1-11d2-883f-0016d3cca427:prepayment",
       "319eb919-1c60-5b63-b116-355645c02c79"},
      {"the settlement receipt of the same event gets another id", kOutputNamespace,
       "1b4e28ba-2fa1-11d2-883f-0016d3cca427:settlement", "777a587d-36a9-5e2d-9d0b-0e30cff6ce2c"},
      {"names are hashed as UTF-8 bytes (Cyrillic)", kOutputNamespace, "Электрочайник",
       "76073b50-f0f0-5692-b3f0-7da12c48826f"},
      {"an empty name is still a valid name", kOutputNamespace, "",
       "39b456ef-92fa-5070-9926-5654f2c9277c"},
  };
  for (const auto& c : cases) EXPECT_EQ(uuid_v5(c.namespace_uuid, c.name), c.expected) << c.why;
}

TEST(Encoding, UuidV5RefusesABadNamespace) {
  for (const char* bad :
       {"", "not-a-uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8aa", "6ba7b810-9dad-11d1-80b4-00c04fd430zz"})
    EXPECT_THROW(uuid_v5(bad, "python.org"), std::invalid_argument) << '"' << bad << '"';
}

TEST(Encoding, Sha256MatchesKnownVectors) {
  const std::pair<std::string, const char*> cases[] = {
      {"abc",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},  // FIPS 180-2, B.1
      {"",
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},  // the empty message
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",           // FIPS 180-2, B.2
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"чайник",
       "1bf205ce9bef59223b3ff615fcdbb2041058db2b936829ec89533172b99db6e6"},  // python3 hashlib
  };
  for (const auto& [input, expected] : cases)
    EXPECT_EQ(sha256_hex(input), expected) << '"' << input << '"';
}

TEST(Encoding, Base64MatchesRfc4648) {
  const std::pair<std::string, const char*> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\x00", 1), "AA=="},  // a zero byte is a byte like any other
      {"\xff\xfe", "//4="},              // high bytes, and the '/' of the alphabet
      {"\xfb\xff", "+/8="},              // the '+' of the alphabet
      {"\xff\xfe{", "//57"},             // what a non-UTF-8 dead letter payload looks like
  };
  for (const auto& [input, expected] : cases)
    EXPECT_EQ(base64_encode(input), expected) << '"' << input << '"';
}

struct Utf8Case {
  const char* why;
  std::string bytes;
  bool valid;
};

TEST(Encoding, UuidForm) {
  const std::pair<const char*, bool> rows[] = {
      {"6f1c5a0e-7d4b-5e8a-9c3f-2b1d0e4a8c71", true},
      {"6F1C5A0E-7D4B-5E8A-9C3F-2B1D0E4A8C71", true},
      {"6f1c5a0e7d4b5e8a9c3f2b1d0e4a8c71", false},      // no dashes
      {"6f1c5a0e-7d4b-5e8a-9c3f-2b1d0e4a8c7", false},   // 35 characters
      {"6f1c5a0e-7d4b-5e8a-9c3f2-b1d0e4a8c71", false},  // a dash out of place
      {"6f1c5a0g-7d4b-5e8a-9c3f-2b1d0e4a8c71", false},  // not hex
      {"", false},
  };
  for (const auto& [text, valid] : rows) EXPECT_EQ(is_uuid(text), valid) << text;
}

TEST(Encoding, Utf8Validity) {
  const Utf8Case cases[] = {
      {"empty text", "", true},
      {"plain ASCII", "{\"sku\":\"A\"}", true},
      {"Cyrillic, 2 bytes per letter", "Электрочайник", true},
      {"a 3-byte character (the ruble sign U+20BD)", "\xe2\x82\xbd", true},
      {"a 4-byte emoji (U+1F600)", "\xf0\x9f\x98\x80", true},
      {"the last code point U+10FFFF", "\xf4\x8f\xbf\xbf", true},
      {"U+D7FF, just below the surrogates", "\xed\x9f\xbf", true},
      {"U+E000, just above the surrogates", "\xee\x80\x80", true},
      {"a zero byte inside the text is still UTF-8", std::string("a\0b", 3), true},
      {"overlong 2-byte '/' (C0 AF)", "\xc0\xaf", false},
      {"overlong 2-byte NUL (C1 80)", "\xc1\x80", false},
      {"overlong 3-byte '/' (E0 80 AF)", "\xe0\x80\xaf", false},
      {"overlong 4-byte '/' (F0 80 80 AF)", "\xf0\x80\x80\xaf", false},
      {"a high surrogate U+D800 (ED A0 80)", "\xed\xa0\x80", false},
      {"a low surrogate U+DFFF (ED BF BF)", "\xed\xbf\xbf", false},
      {"past U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80", false},
      {"an emoji cut after 3 of its 4 bytes", "\xf0\x9f\x98", false},
      {"a Cyrillic letter cut after its first byte, at the end", "Чайни\xd0", false},
      {"a lone continuation byte", "\x80", false},
      {"a lead byte followed by ASCII instead of a continuation", "\xc3\x28", false},
      {"a 5-byte form (F8 ...), never valid", "\xf8\x88\x80\x80\x80", false},
      {"0xFF never appears in UTF-8", "abc\xff", false},
      {"Windows-1251 'Чай' is not UTF-8", "\xd7\xe0\xe9", false},
  };
  for (const auto& c : cases) EXPECT_EQ(is_valid_utf8(c.bytes), c.valid) << c.why;
}

}  // namespace
}  // namespace kassa::contract
