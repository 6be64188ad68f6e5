#include "auth/verified_token_cache.h"

#include <memory>

namespace claribi::auth {

VerifiedTokenCache& VerifiedTokenCache::for_this_thread() {
  thread_local std::unique_ptr<VerifiedTokenCache> cache(new VerifiedTokenCache);
  return *cache;
}

bool VerifiedTokenCache::find(uint64_t codec_id, CredentialTag tag, JwtClaims* out) const {
  const Slot& s = slots_[tag % kSlots];
  if (s.codec_id != codec_id || s.tag != tag) return false;
  *out = s.claims;
  return true;
}

void VerifiedTokenCache::insert(uint64_t codec_id, CredentialTag tag, const JwtClaims& claims) {
  Slot& s = slots_[tag % kSlots];
  s.codec_id = codec_id;
  s.tag = tag;
  s.claims = claims;
}

}  // namespace claribi::auth
