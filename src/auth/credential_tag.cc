#include "auth/credential_tag.h"

#include <openssl/siphash.h>

#include "auth/crypto.h"

namespace claribi::auth {
namespace {

struct TagKey {
  uint64_t words[2];
  TagKey() { random_bytes(reinterpret_cast<uint8_t*>(words), sizeof words); }
};

const TagKey& tag_key() {
  static const TagKey key;  // thread-safe initialization, once per process
  return key;
}

}  // namespace

CredentialTag credential_tag(std::string_view credential) {
  return SIPHASH_24(tag_key().words, reinterpret_cast<const uint8_t*>(credential.data()), credential.size());
}

}  // namespace claribi::auth
