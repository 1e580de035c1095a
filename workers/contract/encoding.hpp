// Byte-level helpers of the contract: UTF-8 checks, base64 for non-UTF-8 dead letters, SHA-256
// fingerprints of payloads (event_id conflicts), and UUID v5 for deterministic output ids.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kassa::contract {

bool is_valid_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; nullopt for anything else (no whitespace allowed).
std::optional<std::string> base64_decode(std::string_view text);
std::string sha256_hex(std::string_view bytes);
// RFC 4122 name-based UUID (SHA-1), e.g. uuid_v5(kOutputNamespace, event_id + ":prepayment").
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);
// "8-4-4-4-12" hex digits (either case), the form ids take in the contract and on the command line.
bool is_uuid(std::string_view text);

// The namespace of receipt and package ids (contract section 2).
inline constexpr std::string_view kOutputNamespace = "6f1c5a0e-7d4b-5e8a-9c3f-2b1d0e4a8c71";

}  // namespace kassa::contract
