// IdentityStore: organizations, users, API keys and the token blacklist on
// top of Database (layout in identity_store.h).
#include "storage/identity_store.h"

#include <string>
#include <utility>

#include "storage/keys.h"
#include "storage/org_scan.h"
#include "storage/record_codec.h"

namespace claribi::storage {
namespace {

using detail::corrupt;
using detail::scan_org_records;

constexpr std::string_view kEmailPrefix = "email/";
constexpr char kJtiTag = 'j';
constexpr char kExpiryTag = 'x';

std::string email_key(std::string_view email) {
  std::string k;
  k.reserve(kEmailPrefix.size() + email.size());
  k.append(kEmailPrefix).append(email);
  return k;
}

std::string jti_key(std::string_view jti) {
  std::string k;
  k.reserve(1 + jti.size());
  k.push_back(kJtiTag);
  k.append(jti);
  return k;
}

uint64_t exp_to_key(int64_t exp) { return exp < 0 ? 0 : static_cast<uint64_t>(exp); }

std::string expiry_key(int64_t exp, std::string_view jti) {
  std::string k(9, '\0');
  k[0] = kExpiryTag;
  put_be64(k.data() + 1, exp_to_key(exp));
  k.append(jti);
  return k;
}

template <typename T>
std::optional<T> get_record(const Database& db, Family f, std::string_view key) {
  std::string value;
  if (!db.Get(f, key, &value).ok()) return std::nullopt;
  T record;
  if (!decode(value, &record)) return std::nullopt;
  return record;
}

}  // namespace

IdentityStore::IdentityStore(Database& db, GroupCommitWriter* writer) : db_(db), writer_(writer) {}

Status IdentityStore::LoadAll(const OrganizationFn& on_org, const UserFn& on_user, const ApiKeyFn& on_key) const {
  Status bad;
  model::Organization org;
  Status st = db_.ForEachPrefix(Family::kOrganizations, {}, [&](std::string_view key, std::string_view value) {
    uint64_t id = 0;
    if (!decode_id_key(key, &id) || !decode(value, &org) || org.id != id) {
      bad = corrupt("organization", key);
      return false;
    }
    on_org(org);
    return true;
  });
  if (!st.ok()) return st;
  if (!bad.ok()) return bad;
  if (st = scan_org_records<model::User>(db_, Family::kUsers, {}, "user", on_user); !st.ok()) return st;
  return scan_org_records<model::ApiKey>(db_, Family::kApiKeys, {}, "api key", on_key);
}

Status IdentityStore::ForEachUser(uint64_t org_id, const UserFn& fn) const {
  return scan_org_records<model::User>(db_, Family::kUsers, org_prefix(org_id), "user", fn);
}

Status IdentityStore::ForEachApiKey(uint64_t org_id, const ApiKeyFn& fn) const {
  return scan_org_records<model::ApiKey>(db_, Family::kApiKeys, org_prefix(org_id), "api key", fn);
}

Status IdentityStore::LoadBlacklist(const JtiFn& fn) const {
  Status bad;
  const std::string prefix(1, kJtiTag);
  Status st = db_.ForEachPrefix(Family::kTokenBlacklist, prefix, [&](std::string_view key, std::string_view value) {
    std::string_view jti;
    int64_t exp = 0;
    if (!BlacklistEntry(key, value, &jti, &exp)) {
      bad = corrupt("blacklist", key);
      return false;
    }
    fn(jti, exp);
    return true;
  });
  if (!st.ok()) return st;
  return bad;
}

std::optional<model::Organization> IdentityStore::GetOrganization(uint64_t org_id) const {
  char buf[kIdKeySize];
  return get_record<model::Organization>(db_, Family::kOrganizations, id_key(org_id, buf));
}

std::optional<model::User> IdentityStore::GetUser(uint64_t org_id, uint64_t user_id) const {
  char buf[kOrgKeySize];
  return get_record<model::User>(db_, Family::kUsers, org_key(org_id, user_id, buf));
}

std::optional<model::ApiKey> IdentityStore::GetApiKey(uint64_t org_id, uint64_t key_id) const {
  char buf[kOrgKeySize];
  return get_record<model::ApiKey>(db_, Family::kApiKeys, org_key(org_id, key_id, buf));
}

std::optional<uint64_t> IdentityStore::FindUserIdByEmail(std::string_view lowercase_email) const {
  std::string value;
  uint64_t org = 0, id = 0;
  if (!db_.Get(Family::kMeta, email_key(lowercase_email), &value).ok() || !decode_org_key(value, &org, &id))
    return std::nullopt;
  return id;
}

std::optional<model::User> IdentityStore::FindUserByEmail(std::string_view lowercase_email) const {
  std::string value;
  uint64_t org = 0, id = 0;
  if (!db_.Get(Family::kMeta, email_key(lowercase_email), &value).ok() || !decode_org_key(value, &org, &id))
    return std::nullopt;
  return GetUser(org, id);
}

bool IdentityStore::IsJtiBlacklisted(std::string_view jti) const {
  std::string value;
  Status st = db_.Get(Family::kTokenBlacklist, jti_key(jti), &value);
  return st.code() != StatusCode::kNotFound;  // found, or unknown: refuse
}

void IdentityStore::PutOrganization(Batch& b, const model::Organization& org) {
  char buf[kIdKeySize];
  b.Put(Family::kOrganizations, id_key(org.id, buf), encode(org));
}

void IdentityStore::PutUser(Batch& b, const model::User& user, const model::User* previous) {
  char buf[kOrgKeySize];
  std::string_view key = org_key(user.org_id, user.id, buf);
  if (previous != nullptr && previous->email != user.email) b.Delete(Family::kMeta, email_key(previous->email));
  b.Put(Family::kUsers, key, encode(user));
  b.Put(Family::kMeta, email_key(user.email), key);
}

namespace {
// What a read-modify-write was built from: the record as `current`, or none.
template <class Record>
void expect_record(Batch& b, Family f, std::string_view key, const Record* current) {
  if (current != nullptr) {
    b.Expect(f, key, encode(*current));
  } else {
    b.ExpectAbsent(f, key);
  }
}
}  // namespace

void IdentityStore::ExpectOrganization(Batch& b, uint64_t org_id, const model::Organization* current) {
  char buf[kIdKeySize];
  expect_record(b, Family::kOrganizations, id_key(org_id, buf), current);
}

void IdentityStore::ExpectUser(Batch& b, const model::User& written, const model::User* current) {
  char buf[kOrgKeySize];
  expect_record(b, Family::kUsers, org_key(written.org_id, written.id, buf), current);
  if (current == nullptr || current->email != written.email) b.ExpectAbsent(Family::kMeta, email_key(written.email));
}

void IdentityStore::ExpectApiKey(Batch& b, const model::ApiKey& written, const model::ApiKey* current) {
  char buf[kOrgKeySize];
  expect_record(b, Family::kApiKeys, org_key(written.org_id, written.id, buf), current);
}

void IdentityStore::DeleteUser(Batch& b, const model::User& user) {
  char buf[kOrgKeySize];
  b.Delete(Family::kUsers, org_key(user.org_id, user.id, buf));
  b.Delete(Family::kMeta, email_key(user.email));
}

void IdentityStore::PutApiKey(Batch& b, const model::ApiKey& key) {
  char buf[kOrgKeySize];
  b.Put(Family::kApiKeys, org_key(key.org_id, key.id, buf), encode(key));
}

void IdentityStore::PutBlacklistedJti(Batch& b, std::string_view jti, int64_t exp) {
  char value[8];
  put_be64(value, exp_to_key(exp));
  b.Put(Family::kTokenBlacklist, jti_key(jti), std::string_view(value, 8));
  b.Put(Family::kTokenBlacklist, expiry_key(exp, jti), {});
}

bool IdentityStore::BlacklistEntry(std::string_view key, std::string_view value, std::string_view* jti,
                                   int64_t* exp) {
  if (key.empty() || key[0] != kJtiTag || value.size() != 8) return false;
  *jti = key.substr(1);
  *exp = static_cast<int64_t>(get_be64(value.data()));
  return true;
}

void IdentityStore::Submit(Batch b, std::function<void(Status)> done) {
  Submit(std::move(b), nullptr, std::move(done));
}

void IdentityStore::Submit(Batch b, std::function<void()> after_commit, std::function<void(Status)> done) {
  submit_or_write(db_, writer_, std::move(b), std::move(after_commit), std::move(done));
}

Status IdentityStore::Write(const Batch& b) { return db_.Write(b); }

Status IdentityStore::PurgeExpiredBlacklist(int64_t now, size_t* purged) {
  constexpr size_t kChunk = 4096;  // bound one write's size
  size_t total = 0;
  for (;;) {
    Batch b;
    size_t n = 0;
    const std::string prefix(1, kExpiryTag);
    Status st = db_.ForEachPrefix(Family::kTokenBlacklist, prefix, [&](std::string_view key, std::string_view) {
      if (key.size() < 9) return true;  // not ours; leave it
      int64_t exp = static_cast<int64_t>(get_be64(key.data() + 1));
      if (exp >= now || n == kChunk) return false;
      b.Delete(Family::kTokenBlacklist, key);
      b.Delete(Family::kTokenBlacklist, jti_key(key.substr(9)));
      ++n;
      return true;
    });
    if (!st.ok()) return st;
    if (n > 0) {
      if (st = db_.Write(b); !st.ok()) return st;
    }
    total += n;
    if (n < kChunk) break;
  }
  if (purged != nullptr) *purged = total;
  return Status::Ok();
}

}  // namespace claribi::storage
