// Password hashing with argon2id (libargon2), stored as PHC strings such as
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". These calls take tens of
// milliseconds by design: run them on the worker pool (uv_queue_work), never
// on a reactor. All of them are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace claribi::auth {

// The OWASP minimum for argon2id: 19 MiB, 2 passes, 1 lane.
struct Argon2Params {
  uint32_t t_cost = 2;
  uint32_t m_cost_kib = 19456;
  uint32_t parallelism = 1;
};

// A PHC string for `password` with a fresh 16-byte random salt and a 32-byte hash.
Result<std::string> hash_password(std::string_view password, const Argon2Params& params);

// Whether `password` matches the argon2id PHC string; false for any malformed
// or non-argon2id string. The PHC comes from our own storage: its costs are
// trusted.
bool verify_password(std::string_view password, std::string_view phc);

// A hash of a random password under `params`, computed once per distinct
// params. Login verifies against it when the email is unknown, so that answer
// takes as long as a wrong password (API.md §4).
const std::string& dummy_password_hash(const Argon2Params& params);

}  // namespace claribi::auth
