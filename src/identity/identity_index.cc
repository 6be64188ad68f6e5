#include "identity/identity_index.h"

#include <xxhash.h>

namespace claribi::identity {

IdentityIndex::IdentityIndex(index::Qsbr& qsbr)
    : qsbr_(qsbr),
      orgs_(qsbr),
      users_(qsbr),
      users_by_email_(qsbr),
      keys_(qsbr),
      key_hash_by_id_(qsbr),
      blacklist_(qsbr) {}

const model::ApiKey* IdentityIndex::key_by_id(uint64_t id) const {
  const model::KeyHash* h = key_hash_by_id_.find(id);
  return h == nullptr ? nullptr : keys_.find(*h);
}

uint64_t IdentityIndex::user_id_by_email(std::string_view lower_email) const {
  const uint64_t* id = users_by_email_.find(lower_email);
  return id == nullptr ? 0 : *id;
}

bool IdentityIndex::jti_blacklisted(std::string_view jti) const {
  const BlacklistEntry* e = blacklist_.find(uint64_t(XXH3_64bits(jti.data(), jti.size())));
  return e != nullptr && e->jti == jti;
}

size_t IdentityIndex::active_admins(uint64_t org_id) const {
  std::lock_guard<std::mutex> lock(counts_mu_);
  auto it = counts_.find(org_id);
  return it == counts_.end() ? 0 : it->second.active_admins;
}

size_t IdentityIndex::users_in(uint64_t org_id) const {
  std::lock_guard<std::mutex> lock(counts_mu_);
  auto it = counts_.find(org_id);
  return it == counts_.end() ? 0 : it->second.users;
}

void IdentityIndex::count(const model::User& u, int delta) {
  std::lock_guard<std::mutex> lock(counts_mu_);
  OrgCounts& c = counts_[u.org_id];
  c.users = size_t(int64_t(c.users) + delta);
  if (u.is_active && u.role == model::Role::kAdministrator)
    c.active_admins = size_t(int64_t(c.active_admins) + delta);
}

void IdentityIndex::put_organization(const model::Organization& o) { orgs_.upsert(o.id, o); }

void IdentityIndex::put_user(const model::User& u) {
  if (const model::User* old = users_.find(u.id)) {
    if (old->email != u.email) users_by_email_.erase(old->email);
    count(*old, -1);
  }
  users_by_email_.upsert(u.email, u.id);
  count(u, +1);
  users_.upsert(u.id, u);
}

void IdentityIndex::remove_user(uint64_t user_id) {
  const model::User* old = users_.find(user_id);
  if (old == nullptr) return;
  users_by_email_.erase(old->email);
  count(*old, -1);
  users_.erase(user_id);
}

void IdentityIndex::put_key(const model::ApiKey& k) {
  if (const model::KeyHash* old = key_hash_by_id_.find(k.id)) {
    if (*old != k.hash) keys_.erase(*old);
  }
  key_hash_by_id_.upsert(k.id, k.hash);
  keys_.upsert(k.hash, k);
}

void IdentityIndex::blacklist_jti(std::string_view jti, int64_t exp) {
  blacklist_.upsert(uint64_t(XXH3_64bits(jti.data(), jti.size())), BlacklistEntry{std::string(jti), exp});
}

void IdentityIndex::reclaim() { qsbr_.reclaim(); }

}  // namespace claribi::identity
