// argon2id password hashing: see password.h.
#include "auth/password.h"

#include <map>
#include <mutex>
#include <tuple>

#include <argon2.h>

#include "auth/crypto.h"

namespace claribi::auth {
namespace {

constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;
constexpr std::string_view kPhcPrefix = "$argon2id$";

}  // namespace

Result<std::string> hash_password(std::string_view password, const Argon2Params& params) {
  uint8_t salt[kSaltSize];
  random_bytes(salt, sizeof salt);
  std::string encoded(argon2_encodedlen(params.t_cost, params.m_cost_kib, params.parallelism, kSaltSize, kHashSize,
                                        Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(params.t_cost, params.m_cost_kib, params.parallelism, password.data(),
                                 password.size(), salt, sizeof salt, kHashSize, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool verify_password(std::string_view password, std::string_view phc) {
  if (phc.substr(0, kPhcPrefix.size()) != kPhcPrefix) return false;
  const std::string encoded(phc);  // argon2id_verify wants a C string
  if (encoded.find('\0') != std::string::npos) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& dummy_password_hash(const Argon2Params& params) {
  static std::mutex mu;
  static std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::string> cache;  // nodes never move
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = cache.try_emplace({params.t_cost, params.m_cost_kib, params.parallelism});
  if (inserted) {
    Result<std::string> h = hash_password(random_hex(16), params);
    if (h.ok()) it->second = std::move(h).value();  // on failure "" (verify_password is then false at once)
  }
  return it->second;
}

}  // namespace claribi::auth
