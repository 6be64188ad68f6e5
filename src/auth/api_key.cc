// API-key generation and checking: see api_key.h.
#include "auth/api_key.h"

#include <array>
#include <cstring>
#include <memory>

#include <openssl/mem.h>

#include "auth/credential_tag.h"
#include "auth/crypto.h"

namespace claribi::auth {
namespace {

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr uint8_t kNotBase62 = 0xff;

constexpr std::array<uint8_t, 256> make_base62_values() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kNotBase62;
  for (uint8_t i = 0; i < 62; ++i) t[static_cast<unsigned char>(kBase62[i])] = i;
  return t;
}

constexpr std::array<uint8_t, 256> kBase62Value = make_base62_values();

// The checksum digits of `random` (the 32 random characters) into out[0..6).
void checksum_digits(std::string_view random, char* out) {
  uint32_t v = crc32(random);
  for (size_t i = kApiKeyChecksumChars; i-- > 0;) {
    out[i] = kBase62[v % 62];
    v /= 62;
  }
}

}  // namespace

std::string generate_api_key() {
  std::string key(kApiKeySize, '\0');
  std::memcpy(key.data(), kApiKeyPrefix.data(), kApiKeyPrefix.size());
  char* digits = key.data() + kApiKeyPrefix.size();
  // Bytes >= 248 (= 4 * 62) are discarded so that byte % 62 is uniform.
  size_t filled = 0;
  uint8_t bytes[48];
  while (filled < kApiKeyRandomChars) {
    random_bytes(bytes, sizeof bytes);
    for (size_t i = 0; i < sizeof bytes && filled < kApiKeyRandomChars; ++i)
      if (bytes[i] < 248) digits[filled++] = kBase62[bytes[i] % 62];
  }
  OPENSSL_cleanse(bytes, sizeof bytes);
  checksum_digits(std::string_view(digits, kApiKeyRandomChars), digits + kApiKeyRandomChars);
  return key;
}

bool api_key_well_formed(std::string_view key) {
  if (key.size() != kApiKeySize || key.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) return false;
  const std::string_view rest = key.substr(kApiKeyPrefix.size());
  for (char c : rest)
    if (kBase62Value[static_cast<unsigned char>(c)] == kNotBase62) return false;
  char expected[kApiKeyChecksumChars];
  checksum_digits(rest.substr(0, kApiKeyRandomChars), expected);
  return std::memcmp(expected, rest.data() + kApiKeyRandomChars, kApiKeyChecksumChars) == 0;
}

model::KeyHash hash_api_key(std::string_view key) { return sha256(key); }

namespace {
// Keyed by the key's CredentialTag: the memo never holds a key's text, so a
// revoked key cannot be read back out of it.
struct PresentedKeyMemo {
  static constexpr size_t kSlots = 256;
  struct Slot {
    bool used = false;
    CredentialTag tag = 0;
    model::KeyHash hash;
  };
  Slot slots[kSlots];
};
}  // namespace

bool hash_presented_api_key(std::string_view key, model::KeyHash* out) {
  if (key.size() != kApiKeySize) return false;
  thread_local std::unique_ptr<PresentedKeyMemo> memo(new PresentedKeyMemo);
  const CredentialTag tag = credential_tag(key);
  PresentedKeyMemo::Slot& slot = memo->slots[tag % PresentedKeyMemo::kSlots];
  if (slot.used && slot.tag == tag) {
    *out = slot.hash;
    return true;
  }
  if (!api_key_well_formed(key)) return false;
  *out = hash_api_key(key);
  slot.used = true;
  slot.tag = tag;
  slot.hash = *out;
  return true;
}

std::string api_key_display_prefix(std::string_view key) {
  return std::string(key.substr(0, kApiKeyDisplayPrefixSize));
}

}  // namespace claribi::auth
