// Small cryptographic primitives: see crypto.h.
#include "auth/crypto.h"

#include <array>

#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace claribi::auth {

void random_bytes(uint8_t* out, size_t n) { RAND_bytes(out, n); }

void hex_encode(const uint8_t* in, size_t n, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 0x0f];
  }
}

std::string random_hex(size_t nbytes) {
  std::string bytes(nbytes, '\0');
  random_bytes(reinterpret_cast<uint8_t*>(bytes.data()), nbytes);
  std::string hex(2 * nbytes, '\0');
  hex_encode(reinterpret_cast<const uint8_t*>(bytes.data()), nbytes, hex.data());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return hex;
}

model::KeyHash sha256(std::string_view data) {
  model::KeyHash h;
  SHA256(reinterpret_cast<const uint8_t*>(data.data()), data.size(), h.data());
  return h;
}

bool constant_time_equal(const void* a, const void* b, size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}

namespace {

constexpr std::array<uint32_t, 256> make_crc32_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32Table = make_crc32_table();

}  // namespace

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kCrc32Table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace claribi::auth
