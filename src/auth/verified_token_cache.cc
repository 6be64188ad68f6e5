#include "auth/verified_token_cache.h"

#include <xxhash.h>

#include <cstring>
#include <memory>

namespace claribi::auth {

VerifiedTokenCache& VerifiedTokenCache::for_this_thread() {
  thread_local std::unique_ptr<VerifiedTokenCache> cache(new VerifiedTokenCache);
  return *cache;
}

bool VerifiedTokenCache::find(uint64_t codec_id, std::string_view token, JwtClaims* out) const {
  if (token.empty() || token.size() > kMaxToken) return false;
  uint64_t h = XXH3_64bits(token.data(), token.size());
  const Slot& s = slots_[h % kSlots];
  if (s.codec_id != codec_id || s.hash != h || s.len != token.size() ||
      std::memcmp(s.token, token.data(), token.size()) != 0)
    return false;
  *out = s.claims;
  return true;
}

void VerifiedTokenCache::insert(uint64_t codec_id, std::string_view token, const JwtClaims& claims) {
  if (token.empty() || token.size() > kMaxToken) return;
  uint64_t h = XXH3_64bits(token.data(), token.size());
  Slot& s = slots_[h % kSlots];
  s.codec_id = codec_id;
  s.hash = h;
  s.len = uint16_t(token.size());
  s.claims = claims;
  std::memcpy(s.token, token.data(), token.size());
}

}  // namespace claribi::auth
