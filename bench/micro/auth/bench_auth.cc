// Micro-benchmarks of the per-request auth work on the reactor: verifying an
// access token, signing one (login/refresh), and checking + hashing an API key.
#include <benchmark/benchmark.h>

#include <string>

#include "auth/api_key.h"
#include "auth/jwt.h"

namespace claribi::auth {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1700000000;

// The full work: base64url, HMAC-SHA256, payload parse.
void BM_JwtVerify(benchmark::State& state) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(codec.make_claims(TokenType::kAccess, 12345, 678, 1, kNow, 3600));
  JwtClaims claims;
  for (auto _ : state) {
    JwtCodec::Error e = codec.verify_uncached(token, kNow + 1, TokenType::kAccess, &claims);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(claims);
  }
  state.SetLabel(std::to_string(token.size()) + "-byte token");
}
BENCHMARK(BM_JwtVerify);

// What a request pays for a token its reactor has seen before
// (VerifiedTokenCache: hash, byte compare, type and exp checks).
void BM_JwtVerifyRepeatedToken(benchmark::State& state) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(codec.make_claims(TokenType::kAccess, 12345, 678, 1, kNow, 3600));
  JwtClaims claims;
  for (auto _ : state) {
    JwtCodec::Error e = codec.verify(token, kNow + 1, TokenType::kAccess, &claims);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(claims);
  }
  state.SetLabel(std::to_string(token.size()) + "-byte token");
}
BENCHMARK(BM_JwtVerifyRepeatedToken);

void BM_JwtSign(benchmark::State& state) {
  JwtCodec codec(kSecret);
  const JwtClaims claims = codec.make_claims(TokenType::kAccess, 12345, 678, 1, kNow, 3600);
  for (auto _ : state) {
    std::string token = codec.sign(claims);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_JwtSign);

void BM_ApiKeyWellFormedAndHash(benchmark::State& state) {
  const std::string key = generate_api_key();
  for (auto _ : state) {
    bool ok = api_key_well_formed(key);
    benchmark::DoNotOptimize(ok);
    model::KeyHash h = hash_api_key(key);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_ApiKeyWellFormedAndHash);

// What a request with a key this thread has seen before pays.
void BM_ApiKeyPresentedRepeated(benchmark::State& state) {
  const std::string key = generate_api_key();
  model::KeyHash h{};
  for (auto _ : state) {
    bool ok = hash_presented_api_key(key, &h);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_ApiKeyPresentedRepeated);

}  // namespace
}  // namespace claribi::auth

BENCHMARK_MAIN();
