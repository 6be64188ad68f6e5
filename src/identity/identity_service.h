// IdentityService: every change to organizations, users, API keys and the
// token blacklist. A change is written as one batch through the group-commit
// writer (synced, §9); right after it is durable the same change is applied
// to the IdentityIndex on the writer thread, then `done` runs. Handlers and
// the admin tool never build storage batches themselves.
//
// Changes are built inside transact(), under one lock, from a View that
// shows the latest state including writes still in flight — so two
// concurrent read-modify-writes of one record (a PATCH and the last-used
// flush, two users created with one email, demoting the last two admins at
// once) are serialized rather than lost. The lock is held only while a
// change is built and queued, never across the disk write.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "identity/identity_index.h"
#include "identity/identity_lists.h"
#include "model/records.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/identity_store.h"

namespace claribi::identity {

// One atomic change.
struct Change {
  std::vector<model::Organization> orgs;
  std::vector<model::User> users;          // created or updated
  std::vector<model::User> removed_users;  // deleted (their last state)
  std::vector<model::ApiKey> keys;         // created or updated
  std::vector<std::pair<std::string, int64_t>> blacklisted;  // jti, exp
  bool empty() const {
    return orgs.empty() && users.empty() && removed_users.empty() && keys.empty() && blacklisted.empty();
  }
};

class IdentityService;

// The latest state: the index plus every change queued but not yet durable.
class View {
 public:
  const model::User* user(uint64_t id) const;
  const model::ApiKey* key(uint64_t id) const;
  const model::Organization* organization(uint64_t id) const;
  bool email_taken(std::string_view lower_email) const;
  // Active administrators of an organization, counting queued changes.
  size_t active_admins(uint64_t org_id) const;

 private:
  friend class IdentityService;
  explicit View(const IdentityService& s) : s_(s) {}
  const IdentityService& s_;
};

class IdentityService {
 public:
  // writer may be null (the admin tool on a stopped server writes directly).
  IdentityService(storage::Database& db, storage::GroupCommitWriter* writer, IdentityIndex& index);

  // Also keep the users and API-key lists (the server does; the admin tool
  // does not need them). Call before load().
  void set_lists(IdentityLists* lists) { lists_ = lists; }

  // Loads every organization, user, key and unexpired blacklisted jti into
  // the index (and the lists). Call once, before readers start.
  Status load(int64_t now);

  uint64_t next_id(storage::Sequence s) { return db_.AllocateId(s); }
  storage::IdentityStore& store() { return store_; }
  IdentityIndex& index() { return index_; }

  using BuildFn = std::function<Status(const View& view, Change& change)>;
  using DoneFn = std::function<void(Status)>;
  // Builds a change under the write lock and queues it. If build fails, done
  // gets its Status at once (on this thread) and nothing is written.
  // Otherwise done runs once the change is durable and in the index (on the
  // writer thread), or with the write error.
  void transact(const BuildFn& build, DoneFn done);
  // Same, written synchronously (admin tool without a server, start-up).
  Status transact_now(const BuildFn& build);

  // Cluster mode: another node's write to an identity family
  // (organizations, users, API keys, the token blacklist), decoded here (the
  // change follower's thread); what it returns applies it to the index and
  // the lists, on the writer thread — so a key revoked, a user disabled or
  // deleted, a password changed or a logout on that node takes effect here.
  Result<std::function<void()>> followed(const storage::Batch::Op& op);

 private:
  friend class View;
  storage::Batch build_batch(const Change& c) const;
  void apply_to_index(const Change& c);
  void track(const Change& c, int delta);  // overlay bookkeeping, under mu_

  storage::Database& db_;
  storage::GroupCommitWriter* writer_;
  IdentityIndex& index_;
  IdentityLists* lists_ = nullptr;
  storage::IdentityStore store_;

  // Overlay of queued changes: the latest version of each record touched,
  // with how many queued changes still refer to it.
  // Recursive: a writer that is already stopped fails a Submit at once, on
  // this thread, inside transact().
  mutable std::recursive_mutex mu_;
  struct PendingUser {
    model::User user;
    bool removed = false;
    int refs = 0;
  };
  struct PendingKey {
    model::ApiKey key;
    int refs = 0;
  };
  std::map<uint64_t, PendingUser> pending_users_;
  std::map<uint64_t, PendingKey> pending_keys_;
  std::map<std::string, int, std::less<>> pending_emails_;  // taken by queued changes
  std::map<uint64_t, std::pair<model::Organization, int>> pending_orgs_;
};

}  // namespace claribi::identity
