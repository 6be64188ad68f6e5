// CredentialTag: what the per-thread credential caches (VerifiedTokenCache,
// the presented-API-key memo) remember of a credential instead of its bytes:
// SipHash-2-4 (a PRF, BoringSSL's) under a key drawn from the CSPRNG once per
// process. A tag identifies a credential the cache has seen, but neither it
// nor a memory dump of the caches gives the credential back, so a token kept
// after a logout or a key kept after its revocation cannot be read out of the
// process. The key never leaves memory, so nobody can search for a colliding
// credential offline; online, a made-up credential matches one of a full
// 256-slot cache's tags once in 2^56 guesses (about 2,000 years at a million
// guesses a second, each also paying a failed verification). One run over a
// 261-byte token is 61 ns (bench_auth BM_JwtVerifyRepeatedToken: 46 → 107 ns,
// +5 % on the whole in-process status request); a second run for 128 bits
// would add 100 ns more, not worth it at these odds.
#pragma once

#include <cstdint>
#include <string_view>

namespace claribi::auth {

using CredentialTag = uint64_t;

CredentialTag credential_tag(std::string_view credential);

}  // namespace claribi::auth
