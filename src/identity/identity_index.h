// IdentityIndex: organizations, users and API keys in memory, read by every
// reactor with no lock and no allocation (ConcurrentMap + QSBR), written by
// one writer at a time: the start-up loader, then the group-commit thread
// applying a batch right after it is durable (so a revoked key or a disabled
// user stops working on every reactor before the 2xx leaves).
//
// Pointers returned by the readers are valid until the calling reactor's
// next quiescent point (the end of the current loop iteration): copy what
// must outlive the callback.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <string_view>

#include "index/concurrent_map.h"
#include "index/hashers.h"
#include "index/qsbr.h"
#include "model/records.h"

namespace claribi::identity {

class IdentityIndex {
 public:
  explicit IdentityIndex(index::Qsbr& qsbr);

  // Readers (any registered reader thread).
  const model::Organization* organization(uint64_t id) const { return orgs_.find(id); }
  const model::User* user(uint64_t id) const { return users_.find(id); }
  const model::ApiKey* key_by_hash(const model::KeyHash& h) const { return keys_.find(h); }
  const model::ApiKey* key_by_id(uint64_t id) const;
  // 0 when no user has that (lower-case) email.
  uint64_t user_id_by_email(std::string_view lower_email) const;
  bool jti_blacklisted(std::string_view jti) const;
  // Active administrators of an organization (for the last-admin rule).
  size_t active_admins(uint64_t org_id) const;
  size_t users_in(uint64_t org_id) const;

  // Writer side (externally serialized).
  void put_organization(const model::Organization& o);
  void put_user(const model::User& u);
  void remove_user(uint64_t user_id);
  void put_key(const model::ApiKey& k);
  void blacklist_jti(std::string_view jti, int64_t exp);
  // Frees what every reader has passed (writer side; call after writes).
  void reclaim();

  size_t user_count() const { return users_.size(); }
  size_t key_count() const { return keys_.size(); }

 private:
  index::Qsbr& qsbr_;
  index::ConcurrentMap<uint64_t, model::Organization, index::U64Hasher> orgs_;
  index::ConcurrentMap<uint64_t, model::User, index::U64Hasher> users_;
  index::ConcurrentMap<std::string, uint64_t, index::StringHasher> users_by_email_;
  index::ConcurrentMap<model::KeyHash, model::ApiKey, index::KeyHashHasher> keys_;
  index::ConcurrentMap<uint64_t, model::KeyHash, index::U64Hasher> key_hash_by_id_;
  // Keyed by XXH3 of the jti; the value keeps the jti itself to rule out
  // collisions, and its exp.
  struct BlacklistEntry {
    std::string jti;
    int64_t exp;
  };
  index::ConcurrentMap<uint64_t, BlacklistEntry, index::U64Hasher> blacklist_;
  // Per-organization counts, kept by the writer; read on write paths only.
  struct OrgCounts {
    size_t users = 0;
    size_t active_admins = 0;
  };
  void count(const model::User& u, int delta);
  mutable std::mutex counts_mu_;
  std::unordered_map<uint64_t, OrgCounts> counts_;
};

}  // namespace claribi::identity
