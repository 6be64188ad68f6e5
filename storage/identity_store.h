// IdentityStore: typed persistence of organizations, users, API keys and the
// refresh-token blacklist — what the server and claribi-admin use, so that
// neither handlers nor the tool ever see keys, families or RocksDB.
//
// Layout
//   kOrganizations  id_key(org_id)               -> encode(Organization)
//   kUsers          org_key(org_id, user_id)     -> encode(User)
//   kApiKeys        org_key(org_id, key_id)      -> encode(ApiKey)
//   kMeta           "email/" + lowercase email   -> org_key(org_id, user_id)
//   kTokenBlacklist "j" + jti                    -> BE64(exp)   point lookup
//                   "x" + BE64(exp) + jti        -> ""          expiry order
//
// Writes are built as Batches with the static Put*/Delete* builders (several
// can go into one batch, which lands atomically) and committed with Submit
// (through the GroupCommitWriter; without one, synchronously on the caller)
// or Write (synchronous, for the admin tool and start-up code).
//
// Email uniqueness: FindUserIdByEmail is a point lookup of what is durable.
// Two concurrent creates with the same email both pass that check unless the
// caller serialises them (the server reserves the email in its in-memory
// index before submitting); storage does not arbitrate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "model/records.h"
#include "storage/batch.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"

namespace claribi::storage {

class IdentityStore {
 public:
  using OrganizationFn = std::function<void(const model::Organization&)>;
  using UserFn = std::function<void(const model::User&)>;
  using ApiKeyFn = std::function<void(const model::ApiKey&)>;
  using JtiFn = std::function<void(std::string_view jti, int64_t exp)>;

  // `writer` may be null (admin tool): Submit then writes synchronously.
  IdentityStore(Database& db, GroupCommitWriter* writer);

  Database& db() const { return db_; }

  // Start-up: every organization, user and API key (in that order, each in
  // key order). Corruption if a record does not decode or does not match its
  // key; an I/O error stops the load. Either way the server must not start.
  Status LoadAll(const OrganizationFn& on_org, const UserFn& on_user, const ApiKeyFn& on_key) const;
  // Every blacklisted jti with its exp (callers skip the expired ones).
  Status LoadBlacklist(const JtiFn& fn) const;

  // One organization's users / keys, in id order.
  Status ForEachUser(uint64_t org_id, const UserFn& fn) const;
  Status ForEachApiKey(uint64_t org_id, const ApiKeyFn& fn) const;

  // Point lookups: nullopt when absent (or unreadable).
  std::optional<model::Organization> GetOrganization(uint64_t org_id) const;
  std::optional<model::User> GetUser(uint64_t org_id, uint64_t user_id) const;
  std::optional<model::ApiKey> GetApiKey(uint64_t org_id, uint64_t key_id) const;
  std::optional<uint64_t> FindUserIdByEmail(std::string_view lowercase_email) const;
  std::optional<model::User> FindUserByEmail(std::string_view lowercase_email) const;
  // Fails closed: a read error counts as blacklisted.
  bool IsJtiBlacklisted(std::string_view jti) const;

  // Batch builders.
  static void PutOrganization(Batch& b, const model::Organization& org);
  // Writes the user and its email index entry. Pass the stored version as
  // `previous` when the email may have changed, so the old entry is removed.
  static void PutUser(Batch& b, const model::User& user, const model::User* previous = nullptr);
  static void DeleteUser(Batch& b, const model::User& user);
  static void PutApiKey(Batch& b, const model::ApiKey& key);
  static void PutBlacklistedJti(Batch& b, std::string_view jti, int64_t exp);
  // Preconditions of a read-modify-write (Batch::Expect): the record is
  // stored as `current` (absent when null) — what the change was built
  // from — and, for a user given a new email, no user holds that email.
  static void ExpectOrganization(Batch& b, uint64_t org_id, const model::Organization* current);
  static void ExpectUser(Batch& b, const model::User& written, const model::User* current);
  static void ExpectApiKey(Batch& b, const model::ApiKey& written, const model::ApiKey* current);
  // Whether a kTokenBlacklist entry is a jti's point-lookup entry (not its
  // expiry-order twin); then *jti and *exp are set.
  static bool BlacklistEntry(std::string_view key, std::string_view value, std::string_view* jti, int64_t* exp);

  // Commit through the group-commit writer (see group_commit_writer.h for
  // the callback contract); without a writer, synchronously right here.
  void Submit(Batch b, std::function<void(Status)> done);
  void Submit(Batch b, std::function<void()> after_commit, std::function<void(Status)> done);
  // Synchronous commit on the calling thread (never from a reactor).
  Status Write(const Batch& b);

  // Deletes blacklist entries whose exp < now (synchronous; run it from a
  // timer on the worker pool or the admin tool). *purged gets the count.
  Status PurgeExpiredBlacklist(int64_t now, size_t* purged = nullptr);

 private:
  Database& db_;
  GroupCommitWriter* writer_;
};

}  // namespace claribi::storage
