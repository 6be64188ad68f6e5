// Principal: who is calling, as authentication found it. An API key acts as
// its owner narrowed to its scopes (§4, §5).
#pragma once

#include <cstdint>

#include "model/records.h"

namespace claribi::api {

struct Principal {
  enum class Method : uint8_t { kNone, kJwt, kApiKey };
  Method method = Method::kNone;
  uint64_t user_id = 0;
  uint64_t org_id = 0;
  model::Role role = model::Role::kViewer;
  // What the caller may do: the role's scopes, narrowed to the key's scopes
  // for an API key.
  uint32_t scopes = 0;
  uint64_t key_id = 0;
  uint32_t key_scopes = 0;  // as stored on the key (for the status body)
  bool is_admin() const { return role == model::Role::kAdministrator; }
  bool via_key() const { return method == Method::kApiKey; }
};

}  // namespace claribi::api
