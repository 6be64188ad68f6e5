// VerifiedTokenCache: the claims of JWTs this thread has already verified,
// keyed by the token's CredentialTag (a keyed 64-bit hash: the cache never
// holds a token's bytes, so a logged-out token cannot be read back out of it). A client sends the same access token on
// every request until it expires; the HMAC, the base64 decoding and the
// payload parse give the same answer every time, so a hit returns the
// claims found the first time. Only the pure part is remembered: a hit must
// match the token's tag and the codec (its secret) that verified it, and the caller still checks token_type and exp, and the
// pipeline still checks the user, the credential version and the logout
// blacklist, on every request.
//
// Direct-mapped, one per thread (a reactor, a worker), allocated on first
// use. No locks: a thread
// touches only its own cache.
#pragma once

#include <cstddef>
#include <cstdint>

#include "auth/credential_tag.h"
#include "auth/jwt.h"

namespace claribi::auth {

class VerifiedTokenCache {
 public:
  static constexpr size_t kSlots = 256;

  // The calling thread's cache.
  static VerifiedTokenCache& for_this_thread();

  // True and *out filled when the token tagged `tag` was verified by codec `codec_id`.
  bool find(uint64_t codec_id, CredentialTag tag, JwtClaims* out) const;
  // Remembers claims of a token whose signature and payload checked out.
  void insert(uint64_t codec_id, CredentialTag tag, const JwtClaims& claims);

 private:
  struct Slot {
    uint64_t codec_id = 0;  // 0: empty (codec ids start at 1)
    CredentialTag tag = 0;
    JwtClaims claims;
  };
  Slot slots_[kSlots];
};

}  // namespace claribi::auth
