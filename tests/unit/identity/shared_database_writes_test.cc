// Writes on a database several nodes share (PostgreSQL, issue 17): a batch's
// preconditions (Batch::Expect) hold or the batch fails with kConflict and
// nothing of it lands; in a group only the batch that conflicts fails; and
// an IdentityService whose view is stale — a node that has not yet applied
// another node's change — cannot undo that change (a revoked key written
// back unrevoked by a last-used flush) or take an email another node took.
//
// Needs a migrated PostgreSQL database: e2e_postgresql_test runs this with
// its URL in CLARIBI_TEST_POSTGRESQL_URL (each run on a fresh database);
// without it every test is skipped.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <unistd.h>
#include <memory>
#include <mutex>
#include <string>

#include "identity/identity_index.h"
#include "identity/identity_service.h"
#include "index/qsbr.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"

namespace claribi::identity {
namespace {

using storage::Batch;
using storage::Family;

std::unique_ptr<storage::Database> open_shared() {
  const char* url = std::getenv("CLARIBI_TEST_POSTGRESQL_URL");
  if (url == nullptr || *url == '\0') return nullptr;
  storage::DatabaseOptions o;
  o.postgresql = true;
  o.postgresql_url = url;
  o.postgresql_shown = "the test database";
  auto r = storage::Database::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

#define OPEN_OR_SKIP(db)                                                                 \
  std::unique_ptr<storage::Database> db = open_shared();                                 \
  if (!db) GTEST_SKIP() << "no CLARIBI_TEST_POSTGRESQL_URL (e2e_postgresql_test sets it)"; \
  static_assert(true)

std::string get(storage::Database& db, std::string_view key) {
  std::string v;
  Status st = db.Get(Family::kMeta, key, &v);
  return st.ok() ? v : "(" + st.message() + ")";
}

TEST(SharedDatabaseWrites, ExpectHoldsOrTheBatchConflictsAndNothingLands) {
  OPEN_OR_SKIP(db);
  const std::string k = "test/expect/" + std::to_string(::getpid());
  Batch put;
  put.Put(Family::kMeta, k, "v1");
  ASSERT_TRUE(db->Write(put).ok());

  Batch stale;  // built from a value the key no longer holds
  stale.Expect(Family::kMeta, k, "v0");
  stale.Put(Family::kMeta, k, "v2");
  stale.Put(Family::kMeta, k + "/other", "x");
  EXPECT_EQ(db->Write(stale).code(), StatusCode::kConflict);
  EXPECT_EQ(get(*db, k), "v1");
  EXPECT_EQ(get(*db, k + "/other").front(), '(') << "nothing of a conflicting batch lands";

  Batch fresh;
  fresh.Expect(Family::kMeta, k, "v1");
  fresh.Put(Family::kMeta, k, "v2");
  EXPECT_TRUE(db->Write(fresh).ok());
  EXPECT_EQ(get(*db, k), "v2");

  Batch taken;  // "absent" on a key that is there
  taken.ExpectAbsent(Family::kMeta, k);
  taken.Put(Family::kMeta, k, "v3");
  EXPECT_EQ(db->Write(taken).code(), StatusCode::kConflict);
  EXPECT_EQ(get(*db, k), "v2");

  Batch created;
  created.ExpectAbsent(Family::kMeta, k + "/new");
  created.Put(Family::kMeta, k + "/new", "n");
  EXPECT_TRUE(db->Write(created).ok());
  EXPECT_EQ(get(*db, k + "/new"), "n");
}

TEST(SharedDatabaseWrites, InAGroupOnlyTheConflictingBatchFails) {
  OPEN_OR_SKIP(db);
  const std::string k = "test/group/" + std::to_string(::getpid());
  storage::GroupCommitWriter writer(*db);
  // The writer held in a hook while the three are queued: they go as one group.
  std::mutex m;
  std::condition_variable cv;
  bool release = false, held = false;
  writer.Submit(
      Batch(),
      [&] {
        std::unique_lock lk(m);
        held = true;
        cv.notify_all();
        cv.wait(lk, [&] { return release; });
      },
      [](Status) {});
  {
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return held; });
  }
  Status a, b, c;
  int done = 0;
  auto submit = [&](Batch batch, Status* out) {
    writer.Submit(std::move(batch), [&, out](Status st) {
      std::lock_guard lk(m);
      *out = st;
      ++done;
      cv.notify_all();
    });
  };
  Batch ba, bb, bc;
  ba.Put(Family::kMeta, k + "/a", "a");
  bb.Expect(Family::kMeta, k + "/b", "never written");
  bb.Put(Family::kMeta, k + "/b", "b");
  bc.Put(Family::kMeta, k + "/c", "c");
  const uint64_t writes_before = writer.batches_written();
  submit(std::move(ba), &a);
  submit(std::move(bb), &b);
  submit(std::move(bc), &c);
  {
    std::unique_lock lk(m);
    release = true;
    cv.notify_all();
    cv.wait(lk, [&] { return done == 3; });
  }
  EXPECT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(b.code(), StatusCode::kConflict) << b.message();
  EXPECT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(get(*db, k + "/a"), "a");
  EXPECT_EQ(get(*db, k + "/b").front(), '(');
  EXPECT_EQ(get(*db, k + "/c"), "c");
  // The group of three, then each again on its own.
  EXPECT_EQ(writer.batches_written() - writes_before, 4u);
  EXPECT_EQ(writer.writes_failed(), 1u);
  EXPECT_EQ(writer.writes_conflicted(), 1u);
  writer.Stop();
}

// One node: its own database connections, index and service — no change
// follower, so its view stays as it loaded it (a node that has not yet
// applied another node's change).
struct Node {
  std::unique_ptr<storage::Database> db = open_shared();
  index::Qsbr qsbr{2};
  IdentityIndex index{qsbr};
  IdentityService service{*db, nullptr, index};
  int slot = qsbr.register_reader();
  Node() { EXPECT_TRUE(service.load(1'800'000'000).ok()); }
  ~Node() { qsbr.unregister_reader(slot); }
  // transact_now inside a reader scope (the View reads the index).
  Status write(const IdentityService::BuildFn& build) {
    index::ReaderScope scope(qsbr, slot);
    return service.transact_now(build);
  }
};

TEST(SharedDatabaseWrites, AStaleNodeCannotUndoARevocation) {
  OPEN_OR_SKIP(probe);
  Node a;
  model::Organization org{a.db->AllocateId(storage::Sequence::kOrganization), "Acme", "professional", 1, 1, 1};
  model::User owner;
  owner.id = a.db->AllocateId(storage::Sequence::kUser);
  owner.org_id = org.id;
  owner.email = "owner-" + std::to_string(owner.id) + "@acme.test";
  owner.role = model::Role::kAdministrator;
  model::ApiKey key;
  key.id = a.db->AllocateId(storage::Sequence::kApiKey);
  key.org_id = org.id;
  key.user_id = owner.id;
  key.name = "ci";
  key.scopes = model::kAllScopes;
  ASSERT_TRUE(a.write([&](const View&, Change& ch) {
    ch.orgs.push_back(org);
    ch.users.push_back(owner);
    ch.keys.push_back(key);
    return Status::Ok();
  }).ok());

  Node b;  // loads the key, unrevoked
  ASSERT_TRUE(a.write([&](const View& v, Change& ch) {  // revoked on node a
    model::ApiKey k = *v.key(key.id);
    k.revoked_at = 1'800'000'100;
    ch.keys.push_back(k);
    return Status::Ok();
  }).ok());

  // Node b's last-used flush, from its stale view: refused, the key stays revoked.
  auto flush = [&](Node& n) {
    return n.write([&](const View& v, Change& ch) {
      model::ApiKey k = *v.key(key.id);
      k.last_used_at = 1'800'000'200;
      ch.keys.push_back(k);
      return Status::Ok();
    });
  };
  Status refused = flush(b);
  EXPECT_EQ(refused.code(), StatusCode::kConflict) << refused.message();
  auto stored = a.service.store().GetApiKey(org.id, key.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->revoked_at, 1'800'000'100);
  EXPECT_EQ(stored->last_used_at, 0);

  // Control: a node whose view has the revocation writes, and keeps it.
  Node c;
  Status written = flush(c);
  EXPECT_TRUE(written.ok()) << written.message();
  stored = a.service.store().GetApiKey(org.id, key.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->revoked_at, 1'800'000'100);
  EXPECT_EQ(stored->last_used_at, 1'800'000'200);
}

TEST(SharedDatabaseWrites, TwoNodesCannotGiveOneEmailToTwoUsers) {
  OPEN_OR_SKIP(probe);
  Node a;
  model::Organization org{a.db->AllocateId(storage::Sequence::kOrganization), "Beta", "starter", 1, 1, 1};
  ASSERT_TRUE(a.write([&](const View&, Change& ch) {
    ch.orgs.push_back(org);
    return Status::Ok();
  }).ok());
  Node b;  // knows the organization, not the user created next on node a
  const std::string email = "same-" + std::to_string(org.id) + "@beta.test";
  auto create = [&](Node& n) {
    return n.write([&](const View& v, Change& ch) {
      if (v.email_taken(email)) return Status::AlreadyExists("email");
      model::User u;
      u.id = n.db->AllocateId(storage::Sequence::kUser);
      u.org_id = org.id;
      u.email = email;
      ch.users.push_back(u);
      return Status::Ok();
    });
  };
  ASSERT_TRUE(create(a).ok());
  Status refused = create(b);  // its view: the email is free
  EXPECT_EQ(refused.code(), StatusCode::kConflict) << refused.message();
  EXPECT_EQ(create(a).code(), StatusCode::kAlreadyExists);  // control: the view that knows refuses
  int users = 0;
  ASSERT_TRUE(a.service.store().ForEachUser(org.id, [&](const model::User&) { ++users; }).ok());
  EXPECT_EQ(users, 1);
}

}  // namespace
}  // namespace claribi::identity
