// Unpadded base64url (RFC 4648 §5, as JWS uses it) into caller buffers, with
// no allocation, so the JWT verify path can decode onto the stack. Decoding
// is strict: '=' padding, '+', '/', whitespace, impossible lengths
// (len % 4 == 1) and non-canonical trailing bits are all rejected, so every
// byte string has exactly one accepted encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claribi::auth {

// Characters base64url_encode writes for n input bytes.
constexpr size_t base64url_encoded_size(size_t n) { return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1); }

// Bytes that `len` encoded characters decode to (len % 4 == 1 is impossible:
// decode rejects it).
constexpr size_t base64url_decoded_size(size_t len) { return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1); }

// Writes base64url_encoded_size(n) characters to out; returns that count.
size_t base64url_encode(const uint8_t* in, size_t n, char* out);

// Decodes `in` into out[0..capacity). Returns false (out contents then
// unspecified) if `in` is not canonical unpadded base64url or its decoded size
// exceeds capacity; otherwise sets *out_len and returns true.
bool base64url_decode(std::string_view in, uint8_t* out, size_t capacity, size_t* out_len);

}  // namespace claribi::auth
