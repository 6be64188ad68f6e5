// IdentityStore: typed records, the email index, the token blacklist,
// loading everything at start, and committing with or without the writer.
#include "storage/identity_store.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "storage/keys.h"
#include "storage/record_codec.h"
#include "unit/storage/temp_dir.h"

namespace claribi::storage {
namespace {

using testing::TempDir;

std::unique_ptr<Database> open_db(const std::string& path) {
  DatabaseOptions o;
  o.path = path;
  auto r = Database::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

model::Organization make_org(Database& db, std::string name) {
  model::Organization o;
  o.id = db.AllocateId(Sequence::kOrganization);
  o.name = std::move(name);
  o.plan = "professional";
  o.ai_credits_remaining = 1347;
  o.created_at = o.updated_at = 1750000000;
  return o;
}

model::User make_user(Database& db, uint64_t org_id, std::string email) {
  model::User u;
  u.id = db.AllocateId(Sequence::kUser);
  u.org_id = org_id;
  u.email = std::move(email);
  u.first_name = "Jane";
  u.last_name = "Smith";
  u.role = model::Role::kEditor;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$x$y";
  return u;
}

model::ApiKey make_key(Database& db, uint64_t org_id, uint64_t user_id) {
  model::ApiKey k;
  k.id = db.AllocateId(Sequence::kApiKey);
  k.org_id = org_id;
  k.user_id = user_id;
  k.name = "key";
  k.prefix = "claribi_sk_live_ab";
  k.hash[0] = static_cast<uint8_t>(k.id);
  k.scopes = model::kScopeDashboardsRead;
  return k;
}

TEST(StorageIdentityStore, PutGetAndLoadAllAcrossReopen) {
  TempDir dir;
  std::vector<uint64_t> org_ids, user_ids, key_ids;
  {
    auto db = open_db(dir.sub("db"));
    ASSERT_TRUE(db);
    IdentityStore store(*db, nullptr);
    for (int o = 0; o < 3; ++o) {
      Batch b;
      auto org = make_org(*db, "org" + std::to_string(o));
      IdentityStore::PutOrganization(b, org);
      org_ids.push_back(org.id);
      for (int u = 0; u < 4; ++u) {
        auto user = make_user(*db, org.id, "u" + std::to_string(u) + "@org" + std::to_string(o) + ".com");
        IdentityStore::PutUser(b, user);
        user_ids.push_back(user.id);
        auto key = make_key(*db, org.id, user.id);
        IdentityStore::PutApiKey(b, key);
        key_ids.push_back(key.id);
      }
      ASSERT_TRUE(store.Write(b).ok());
    }
    auto org = store.GetOrganization(org_ids[1]);
    ASSERT_TRUE(org);
    EXPECT_EQ(org->name, "org1");
    EXPECT_EQ(org->ai_credits_remaining, 1347);
    EXPECT_FALSE(store.GetOrganization(999));
  }
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  IdentityStore store(*db, nullptr);
  std::vector<uint64_t> orgs, users, keys;
  ASSERT_TRUE(store
                  .LoadAll([&](const model::Organization& o) { orgs.push_back(o.id); },
                           [&](const model::User& u) { users.push_back(u.id); },
                           [&](const model::ApiKey& k) { keys.push_back(k.id); })
                  .ok());
  EXPECT_EQ(orgs, org_ids);
  EXPECT_EQ(users, user_ids);
  EXPECT_EQ(keys, key_ids);

  auto user = store.GetUser(org_ids[2], user_ids[9]);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->email, "u1@org2.com");
  EXPECT_EQ(user->role, model::Role::kEditor);
  EXPECT_FALSE(store.GetUser(org_ids[0], user_ids[9])) << "another organization's user";
  auto key = store.GetApiKey(org_ids[0], key_ids[0]);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->user_id, user_ids[0]);

  std::vector<uint64_t> org1_users;
  ASSERT_TRUE(store.ForEachUser(org_ids[1], [&](const model::User& u) { org1_users.push_back(u.id); }).ok());
  EXPECT_EQ(org1_users, (std::vector<uint64_t>(user_ids.begin() + 4, user_ids.begin() + 8)));
  size_t org1_keys = 0;
  ASSERT_TRUE(store.ForEachApiKey(org_ids[1], [&](const model::ApiKey& k) {
                     EXPECT_EQ(k.org_id, org_ids[1]);
                     ++org1_keys;
                   }).ok());
  EXPECT_EQ(org1_keys, 4u);
}

TEST(StorageIdentityStore, EmailIndexFollowsPutChangeAndDelete) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  IdentityStore store(*db, nullptr);
  auto org = make_org(*db, "acme");
  auto user = make_user(*db, org.id, "jane@acme.com");
  Batch b;
  IdentityStore::PutOrganization(b, org);
  IdentityStore::PutUser(b, user);
  ASSERT_TRUE(store.Write(b).ok());

  EXPECT_EQ(store.FindUserIdByEmail("jane@acme.com"), user.id);
  EXPECT_FALSE(store.FindUserIdByEmail("john@acme.com"));
  EXPECT_FALSE(store.FindUserIdByEmail("jane@acme.co"));
  auto found = store.FindUserByEmail("jane@acme.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, user.id);
  EXPECT_EQ(found->org_id, org.id);

  model::User renamed = user;
  renamed.email = "jane.smith@acme.com";
  Batch c;
  IdentityStore::PutUser(c, renamed, &user);
  ASSERT_TRUE(store.Write(c).ok());
  EXPECT_FALSE(store.FindUserIdByEmail("jane@acme.com"));
  EXPECT_EQ(store.FindUserIdByEmail("jane.smith@acme.com"), user.id);

  Batch d;
  IdentityStore::DeleteUser(d, renamed);
  ASSERT_TRUE(store.Write(d).ok());
  EXPECT_FALSE(store.FindUserIdByEmail("jane.smith@acme.com"));
  EXPECT_FALSE(store.GetUser(org.id, user.id));
}

TEST(StorageIdentityStore, BlacklistLookupLoadAndPurge) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  IdentityStore store(*db, nullptr);
  Batch b;
  for (int i = 0; i < 10; ++i) IdentityStore::PutBlacklistedJti(b, "jti-" + std::to_string(i), 1000 + i * 100);
  ASSERT_TRUE(store.Write(b).ok());
  EXPECT_TRUE(store.IsJtiBlacklisted("jti-0"));
  EXPECT_TRUE(store.IsJtiBlacklisted("jti-9"));
  EXPECT_FALSE(store.IsJtiBlacklisted("jti-10"));
  EXPECT_FALSE(store.IsJtiBlacklisted("jti-"));

  std::map<std::string, int64_t> loaded;
  ASSERT_TRUE(store.LoadBlacklist([&](std::string_view jti, int64_t exp) { loaded[std::string(jti)] = exp; }).ok());
  ASSERT_EQ(loaded.size(), 10u);
  EXPECT_EQ(loaded["jti-3"], 1300);

  size_t purged = 0;
  ASSERT_TRUE(store.PurgeExpiredBlacklist(1500, &purged).ok());  // exp < 1500: jti-0..4
  EXPECT_EQ(purged, 5u);
  EXPECT_FALSE(store.IsJtiBlacklisted("jti-4"));
  EXPECT_TRUE(store.IsJtiBlacklisted("jti-5"));
  loaded.clear();
  ASSERT_TRUE(store.LoadBlacklist([&](std::string_view jti, int64_t exp) { loaded[std::string(jti)] = exp; }).ok());
  EXPECT_EQ(loaded.size(), 5u);
  EXPECT_EQ(loaded.begin()->first, "jti-5");
  ASSERT_TRUE(store.PurgeExpiredBlacklist(1500, &purged).ok());
  EXPECT_EQ(purged, 0u);
}

TEST(StorageIdentityStore, PurgeHandlesMoreThanOneChunk) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  IdentityStore store(*db, nullptr);
  Batch b;
  for (int i = 0; i < 10000; ++i) IdentityStore::PutBlacklistedJti(b, "j" + std::to_string(i), i);
  ASSERT_TRUE(store.Write(b).ok());
  size_t purged = 0;
  ASSERT_TRUE(store.PurgeExpiredBlacklist(9000, &purged).ok());
  EXPECT_EQ(purged, 9000u);
  size_t left = 0;
  ASSERT_TRUE(store.LoadBlacklist([&](std::string_view, int64_t exp) {
                     EXPECT_GE(exp, 9000);
                     ++left;
                   }).ok());
  EXPECT_EQ(left, 1000u);
}

TEST(StorageIdentityStore, SubmitThroughWriterAppliesAfterCommitHook) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db);
  IdentityStore store(*db, &writer);
  auto org = make_org(*db, "acme");
  std::set<uint64_t> index;  // an in-memory index, touched by the writer thread only
  Status result = Status::Internal("not called");
  Batch b;
  IdentityStore::PutOrganization(b, org);
  store.Submit(std::move(b), [&] { index.insert(org.id); }, [&](Status s) { result = s; });
  writer.Stop();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(index.count(org.id), 1u);
  EXPECT_TRUE(store.GetOrganization(org.id));

  // Without a writer the commit happens on the caller.
  IdentityStore direct(*db, nullptr);
  bool done = false;
  Batch c;
  auto other = make_org(*db, "other");
  IdentityStore::PutOrganization(c, other);
  direct.Submit(std::move(c), [&](Status s) { done = s.ok(); });
  EXPECT_TRUE(done);
  EXPECT_TRUE(direct.GetOrganization(other.id));
}

TEST(StorageIdentityStore, LoadAllReportsCorruption) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  IdentityStore store(*db, nullptr);
  auto org = make_org(*db, "acme");
  auto user = make_user(*db, org.id, "a@b.c");
  Batch b;
  IdentityStore::PutOrganization(b, org);
  IdentityStore::PutUser(b, user);
  ASSERT_TRUE(store.Write(b).ok());
  auto noop_org = [](const model::Organization&) {};
  auto noop_user = [](const model::User&) {};
  auto noop_key = [](const model::ApiKey&) {};
  ASSERT_TRUE(store.LoadAll(noop_org, noop_user, noop_key).ok());

  Batch garbage;
  garbage.Put(Family::kUsers, org_key(org.id, user.id), "\x01garbage");
  ASSERT_TRUE(store.Write(garbage).ok());
  EXPECT_EQ(store.LoadAll(noop_org, noop_user, noop_key).code(), StatusCode::kCorruption);
  EXPECT_FALSE(store.GetUser(org.id, user.id));

  // A valid record under the wrong key is corruption too.
  Batch misplaced;
  misplaced.Put(Family::kUsers, org_key(org.id, user.id), encode(user));
  misplaced.Put(Family::kUsers, org_key(org.id, user.id + 1), encode(user));
  ASSERT_TRUE(store.Write(misplaced).ok());
  EXPECT_EQ(store.LoadAll(noop_org, noop_user, noop_key).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace claribi::storage
