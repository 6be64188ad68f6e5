#include "identity/identity_service.h"

#include "storage/keys.h"
#include "storage/record_codec.h"

namespace claribi::identity {

// ---- View ------------------------------------------------------------------

const model::User* View::user(uint64_t id) const {
  auto it = s_.pending_users_.find(id);
  if (it != s_.pending_users_.end()) return it->second.removed ? nullptr : &it->second.user;
  return s_.index_.user(id);
}

const model::ApiKey* View::key(uint64_t id) const {
  auto it = s_.pending_keys_.find(id);
  if (it != s_.pending_keys_.end()) return &it->second.key;
  return s_.index_.key_by_id(id);
}

const model::Organization* View::organization(uint64_t id) const {
  auto it = s_.pending_orgs_.find(id);
  if (it != s_.pending_orgs_.end()) return &it->second.first;
  return s_.index_.organization(id);
}

bool View::email_taken(std::string_view lower_email) const {
  if (s_.pending_emails_.find(lower_email) != s_.pending_emails_.end()) return true;
  uint64_t id = s_.index_.user_id_by_email(lower_email);
  if (id == 0) return false;
  // Taken in the index, unless a queued change renamed or removed that user.
  const model::User* u = user(id);
  return u != nullptr && u->email == lower_email;
}

size_t View::active_admins(uint64_t org_id) const {
  size_t n = s_.index_.active_admins(org_id);
  for (const auto& [id, p] : s_.pending_users_) {
    const model::User* before = s_.index_.user(id);
    bool was = before != nullptr && before->org_id == org_id && before->is_active &&
               before->role == model::Role::kAdministrator;
    bool is = !p.removed && p.user.org_id == org_id && p.user.is_active &&
              p.user.role == model::Role::kAdministrator;
    if (was && !is) --n;
    if (!was && is) ++n;
  }
  return n;
}

// ---- IdentityService --------------------------------------------------------

IdentityService::IdentityService(storage::Database& db, storage::GroupCommitWriter* writer,
                                 IdentityIndex& index)
    : db_(db), writer_(writer), index_(index), store_(db, writer) {}

Status IdentityService::load(int64_t now) {
  Status s = store_.LoadAll([&](const model::Organization& o) { index_.put_organization(o); },
                            [&](const model::User& u) {
                              index_.put_user(u);
                              if (lists_) lists_->put_user(u);
                            },
                            [&](const model::ApiKey& k) {
                              index_.put_key(k);
                              if (lists_) lists_->put_key(k);
                            });
  if (!s.ok()) return s;
  s = store_.LoadBlacklist([&](std::string_view jti, int64_t exp) {
    if (exp > now) index_.blacklist_jti(jti, exp);
  });
  index_.reclaim();
  return s;
}

storage::Batch IdentityService::build_batch(const Change& c) const {
  storage::Batch b;
  View view(*this);
  // What the change was built from, first: on a shared database another
  // node may have changed it since this node's view last caught up (a key
  // revoked there while the last-used flush here rewrites it), and then the
  // change must fail rather than undo that one.
  if (db_.checks_preconditions()) {
    for (const auto& o : c.orgs) storage::IdentityStore::ExpectOrganization(b, o.id, view.organization(o.id));
    for (const auto& u : c.users) storage::IdentityStore::ExpectUser(b, u, view.user(u.id));
    for (const auto& u : c.removed_users) storage::IdentityStore::ExpectUser(b, u, view.user(u.id));
    for (const auto& k : c.keys) storage::IdentityStore::ExpectApiKey(b, k, view.key(k.id));
  }
  for (const auto& o : c.orgs) storage::IdentityStore::PutOrganization(b, o);
  for (const auto& u : c.users) storage::IdentityStore::PutUser(b, u, view.user(u.id));
  for (const auto& u : c.removed_users) storage::IdentityStore::DeleteUser(b, u);
  for (const auto& k : c.keys) storage::IdentityStore::PutApiKey(b, k);
  for (const auto& [jti, exp] : c.blacklisted) storage::IdentityStore::PutBlacklistedJti(b, jti, exp);
  return b;
}

void IdentityService::apply_to_index(const Change& c) {
  for (const auto& o : c.orgs) index_.put_organization(o);
  for (const auto& u : c.users) index_.put_user(u);
  for (const auto& u : c.removed_users) index_.remove_user(u.id);
  for (const auto& k : c.keys) index_.put_key(k);
  for (const auto& [jti, exp] : c.blacklisted) index_.blacklist_jti(jti, exp);
  index_.reclaim();
  if (lists_ == nullptr) return;
  for (const auto& u : c.users) lists_->put_user(u);
  for (const auto& u : c.removed_users) lists_->remove_user(u);
  for (const auto& k : c.keys) lists_->put_key(k);
}

void IdentityService::track(const Change& c, int delta) {
  for (const auto& o : c.orgs) {
    auto& p = pending_orgs_[o.id];
    if (delta > 0) p.first = o;
    if ((p.second += delta) <= 0) pending_orgs_.erase(o.id);
  }
  for (const auto& u : c.users) {
    auto& p = pending_users_[u.id];
    if (delta > 0) {
      p.user = u;
      p.removed = false;
    }
    if ((p.refs += delta) <= 0) pending_users_.erase(u.id);
    auto& e = pending_emails_[u.email];
    if ((e += delta) <= 0) pending_emails_.erase(u.email);
  }
  for (const auto& u : c.removed_users) {
    auto& p = pending_users_[u.id];
    if (delta > 0) {
      p.user = u;
      p.removed = true;
    }
    if ((p.refs += delta) <= 0) pending_users_.erase(u.id);
  }
  for (const auto& k : c.keys) {
    auto& p = pending_keys_[k.id];
    if (delta > 0) p.key = k;
    if ((p.refs += delta) <= 0) pending_keys_.erase(k.id);
  }
}

void IdentityService::transact(const BuildFn& build, DoneFn done) {
  auto change = std::make_shared<Change>();
  Status early;  // outcome known without the writer; done runs after unlocking
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    early = build(View(*this), *change);
    if (early.ok() && !change->empty()) {
      storage::Batch batch = build_batch(*change);
      if (writer_ == nullptr) {
        early = db_.Write(batch);
        if (early.ok()) apply_to_index(*change);
      } else {
        track(*change, +1);
        // Submitted under the lock: the writer commits in submission order,
        // the same order in which changes saw each other through the View.
        writer_->Submit(
            std::move(batch),
            [this, change] {
              apply_to_index(*change);
              std::lock_guard<std::recursive_mutex> l(mu_);
              track(*change, -1);
            },
            [this, change, done = std::move(done)](Status st) {
              if (!st.ok()) {  // never applied: forget it
                std::lock_guard<std::recursive_mutex> l(mu_);
                track(*change, -1);
              }
              done(st);
            });
        return;
      }
    }
  }
  done(early);
}

Status IdentityService::transact_now(const BuildFn& build) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Change change;
  Status s = build(View(*this), change);
  if (!s.ok() || change.empty()) return s;
  s = db_.Write(build_batch(change));
  if (s.ok()) apply_to_index(change);
  return s;
}

Result<std::function<void()>> IdentityService::followed(const storage::Batch::Op& op) {
  using storage::Family;
  const bool put = op.type == storage::Batch::OpType::kPut;
  switch (op.family) {
    case Family::kOrganizations: {
      model::Organization o;
      if (!put) return std::function<void()>();  // organizations are never deleted
      if (!storage::decode(op.value, &o)) return Status::Corruption("organization does not decode");
      return std::function<void()>([this, o] {
        index_.put_organization(o);
        index_.reclaim();
      });
    }
    case Family::kUsers: {
      uint64_t org_id = 0, id = 0;
      if (!storage::decode_org_key(op.key, &org_id, &id)) return Status::Corruption("user key does not decode");
      if (!put) {
        return std::function<void()>([this, id] {
          const model::User* u = index_.user(id);
          if (u == nullptr) return;
          model::User last = *u;
          index_.remove_user(id);
          index_.reclaim();
          if (lists_) lists_->remove_user(last);
        });
      }
      model::User u;
      if (!storage::decode(op.value, &u) || u.id != id) return Status::Corruption("user does not decode");
      return std::function<void()>([this, u] {
        index_.put_user(u);
        index_.reclaim();
        if (lists_) lists_->put_user(u);
      });
    }
    case Family::kApiKeys: {
      model::ApiKey k;
      if (!put) return std::function<void()>();  // keys are revoked (a put), never deleted
      if (!storage::decode(op.value, &k)) return Status::Corruption("api key does not decode");
      return std::function<void()>([this, k] {
        index_.put_key(k);
        index_.reclaim();
        if (lists_) lists_->put_key(k);
      });
    }
    case Family::kTokenBlacklist: {
      std::string_view jti;
      int64_t exp = 0;
      if (!put || !storage::IdentityStore::BlacklistEntry(op.key, op.value, &jti, &exp))
        return std::function<void()>();
      return std::function<void()>([this, jti = std::string(jti), exp] {
        index_.blacklist_jti(jti, exp);
        index_.reclaim();
      });
    }
    default:
      return std::function<void()>();
  }
}

}  // namespace claribi::identity
