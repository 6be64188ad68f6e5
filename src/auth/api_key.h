// API keys (API.md §4): "claribi_sk_live_" + 32 random base62 characters +
// 6 base62 characters of the CRC-32 of those 32, the shape GitHub's tokens
// use, so a typo is rejected without a lookup and secret scanners can
// recognise a leaked key. Only SHA-256 of the full key text is stored.
//
// Base62 alphabet, digit value = position:
//   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
// The checksum is the CRC-32 written in base62, most significant digit first,
// zero-padded to 6 digits (62^6 > 2^32). 32 random digits carry 190.5 bits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model/records.h"

namespace claribi::auth {

inline constexpr std::string_view kApiKeyPrefix = "claribi_sk_live_";
inline constexpr size_t kApiKeyRandomChars = 32;
inline constexpr size_t kApiKeyChecksumChars = 6;
inline constexpr size_t kApiKeySize = kApiKeyPrefix.size() + kApiKeyRandomChars + kApiKeyChecksumChars;  // 54
inline constexpr size_t kApiKeyDisplayPrefixSize = kApiKeyPrefix.size() + 8;  // 24

// A new key from the system CSPRNG (uniform digits by rejection sampling).
std::string generate_api_key();

// Exact size, prefix, alphabet and checksum; allocates nothing. A key that
// fails this is rejected before any lookup.
bool api_key_well_formed(std::string_view key);

// What is stored and looked up: SHA-256 of the full key text.
model::KeyHash hash_api_key(std::string_view key);

// api_key_well_formed, then hash_api_key into *out, for a key presented on
// a request. The calling thread remembers the last keys it hashed (exact
// text -> hash, 256 slots, direct-mapped): a client sends the same key on
// every request, and the checksum and SHA-256 always give the same answer.
// False (and *out untouched) when the key is not well formed.
bool hash_presented_api_key(std::string_view key, model::KeyHash* out);

// The first 24 characters ("claribi_sk_live_" + 8), shown in listings.
std::string api_key_display_prefix(std::string_view key);

}  // namespace claribi::auth
