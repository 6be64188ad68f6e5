// Small cryptographic primitives shared by the auth layer: CSPRNG bytes,
// SHA-256, constant-time comparison (all BoringSSL) and CRC-32 (our own table
// code, used only as the API-key typo checksum, never for security).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/records.h"

namespace claribi::auth {

// Fills out[0..n) from the system CSPRNG (BoringSSL RAND_bytes; aborts rather
// than return weak bytes).
void random_bytes(uint8_t* out, size_t n);

// 2*nbytes lowercase hex characters of fresh random bytes.
std::string random_hex(size_t nbytes);

// Writes 2*n lowercase hex characters of in[0..n) to out (no terminator).
void hex_encode(const uint8_t* in, size_t n, char* out);

model::KeyHash sha256(std::string_view data);

// True iff a[0..n) == b[0..n); the time taken depends only on n.
bool constant_time_equal(const void* a, const void* b, size_t n);

// CRC-32 as in zlib/PNG/Ethernet (reflected polynomial 0xEDB88320, initial
// and final xor 0xFFFFFFFF): crc32("123456789") == 0xCBF43926.
uint32_t crc32(std::string_view data);

}  // namespace claribi::auth
