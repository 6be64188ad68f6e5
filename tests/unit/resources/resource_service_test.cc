// ResourceService<Dashboard> over a real Database in a temporary directory,
// with a ResourceStore that writes synchronously (null writer) and with a
// real GroupCommitWriter (callbacks on the writer thread): create, update and
// remove report the right WriteOutcome and rendered JSON, ids increase, the
// in-memory lists show a write once its `done` runs, an update or remove of a
// missing, deleted or other organization's id is kNotFound, a removed record
// is gone from render/contains/count/render_page, two updates queued back to
// back both apply (neither is lost), a write the stopped writer refuses is
// kFailed and changes nothing, and a fresh service loaded from the reopened
// database sees exactly the committed records (restart), with new ids above
// the old ones.
#include "resources/resource_service.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/json_writer.h"
#include "model/resources.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/resource_store.h"
#include "unit/storage/temp_dir.h"

namespace claribi::resources {
namespace {

using storage::testing::TempDir;
using Service = ResourceService<model::Dashboard>;

void render_dashboard(const model::Dashboard& d, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  w.begin_object().field("id", d.id).field("name", d.name).field("updated_at", d.updated_at).end_object();
}

std::string expected_json(uint64_t id, const std::string& name, int64_t updated_at) {
  model::Dashboard d;
  d.id = id;
  d.name = name;
  d.updated_at = updated_at;
  std::string s;
  render_dashboard(d, &s);
  return s;
}

std::unique_ptr<storage::Database> open_db(const std::string& path) {
  storage::DatabaseOptions o;
  o.path = path;
  auto r = storage::Database::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

model::Dashboard new_dash(uint64_t org, const std::string& name, int64_t now = 1000) {
  model::Dashboard d;
  d.org_id = org;
  d.name = name;
  d.created_by = 9;
  d.created_at = now;
  d.updated_at = now;
  return d;
}

// Runs one write and waits for its done (which may run on another thread).
template <class Start>
WriteResult wait_for(Start start) {
  auto promise = std::make_shared<std::promise<WriteResult>>();
  auto future = promise->get_future();
  start([promise](WriteResult r) { promise->set_value(std::move(r)); });
  return future.get();
}

WriteResult create(Service& s, model::Dashboard d) {
  return wait_for([&](Service::DoneFn done) { s.create(std::move(d), std::move(done)); });
}
WriteResult rename(Service& s, uint64_t org, uint64_t id, const std::string& name, int64_t now) {
  return wait_for([&](Service::DoneFn done) {
    s.update(org, id, now, [name](model::Dashboard& d) { d.name = name; }, std::move(done));
  });
}
WriteResult remove(Service& s, uint64_t org, uint64_t id) {
  return wait_for([&](Service::DoneFn done) { s.remove(org, id, std::move(done)); });
}

uint64_t id_in(const std::string& json) {
  size_t at = json.find("\"id\":");
  return at == std::string::npos ? 0 : std::stoull(json.substr(at + 5));
}

std::string full_list(const Service& s, uint64_t org) {
  PageRequest p;
  p.limit = 1000000;
  std::string items;
  s.render_page(org, p, &items);
  return items;
}

// The scenario shared by both writer modes; `writer` may be null.
void run_crud_scenario(const std::string& db_path, bool group_commit) {
  std::map<uint64_t, std::string> org1, org2;  // id -> committed json
  {
    auto db = open_db(db_path);
    ASSERT_TRUE(db);
    std::unique_ptr<storage::GroupCommitWriter> writer;
    if (group_commit) writer = std::make_unique<storage::GroupCommitWriter>(*db);
    storage::ResourceStore store(*db, writer.get());
    Service svc(store, &render_dashboard);
    ASSERT_TRUE(svc.load().ok());
    EXPECT_EQ(svc.count(1), 0u);
    EXPECT_EQ(full_list(svc, 1), "");

    // Create: ids increase, done carries the rendered record, and the record
    // is visible once done has run.
    uint64_t last_id = 0;
    for (int i = 0; i < 5; ++i) {
      std::string name = "Dash " + std::to_string(i);
      WriteResult r = create(svc, new_dash(1, name));
      ASSERT_EQ(r.outcome, WriteOutcome::kOk) << r.status.message();
      uint64_t id = id_in(r.json);
      EXPECT_GT(id, last_id);
      last_id = id;
      EXPECT_EQ(r.json, expected_json(id, name, 1000));
      EXPECT_TRUE(svc.contains(1, id));
      EXPECT_FALSE(svc.contains(2, id));  // another organization
      std::string one;
      ASSERT_TRUE(svc.render(1, id, &one));
      EXPECT_EQ(one, r.json);
      EXPECT_EQ(svc.count(1), size_t(i + 1));
      org1[id] = r.json;
    }
    WriteResult other = create(svc, new_dash(2, "Other org"));
    ASSERT_EQ(other.outcome, WriteOutcome::kOk);
    uint64_t other_id = id_in(other.json);
    EXPECT_GT(other_id, last_id);
    org2[other_id] = other.json;
    EXPECT_EQ(svc.count(1), 5u);
    EXPECT_EQ(svc.count(2), 1u);

    // Update: the edit applies to the latest version, updated_at = now.
    uint64_t target = org1.begin()->first;
    WriteResult u = rename(svc, 1, target, "Renamed", 2000);
    ASSERT_EQ(u.outcome, WriteOutcome::kOk) << u.status.message();
    EXPECT_EQ(u.json, expected_json(target, "Renamed", 2000));
    std::string one;
    ASSERT_TRUE(svc.render(1, target, &one));
    EXPECT_EQ(one, u.json);
    org1[target] = u.json;
    EXPECT_EQ(svc.count(1), 5u);
    // Ordering by name, descending: "Renamed" now comes before every "Dash N".
    PageRequest by_name;
    by_name.ordering = Ordering::kName;
    by_name.descending = true;
    by_name.limit = 1;
    std::string first;
    EXPECT_EQ(svc.render_page(1, by_name, &first), 5u);
    EXPECT_EQ(first, u.json);

    // Missing ids, and another organization's id.
    WriteResult m = rename(svc, 1, 999999, "x", 1);
    EXPECT_EQ(m.outcome, WriteOutcome::kNotFound);
    EXPECT_TRUE(m.json.empty());
    EXPECT_EQ(rename(svc, 2, target, "x", 1).outcome, WriteOutcome::kNotFound);
    EXPECT_EQ(rename(svc, 77, target, "x", 1).outcome, WriteOutcome::kNotFound);
    EXPECT_EQ(remove(svc, 2, target).outcome, WriteOutcome::kNotFound);
    EXPECT_EQ(remove(svc, 1, 999999).outcome, WriteOutcome::kNotFound);
    EXPECT_TRUE(svc.contains(1, target));

    // Remove: gone from render, contains, count and lists.
    uint64_t victim = std::next(org1.begin(), 2)->first;
    WriteResult d = remove(svc, 1, victim);
    ASSERT_EQ(d.outcome, WriteOutcome::kOk) << d.status.message();
    org1.erase(victim);
    EXPECT_FALSE(svc.contains(1, victim));
    std::string gone;
    EXPECT_FALSE(svc.render(1, victim, &gone));
    EXPECT_TRUE(gone.empty());
    EXPECT_EQ(svc.count(1), 4u);
    EXPECT_EQ(full_list(svc, 1).find("\"id\":" + std::to_string(victim) + ","), std::string::npos);
    EXPECT_EQ(remove(svc, 1, victim).outcome, WriteOutcome::kNotFound);
    EXPECT_EQ(rename(svc, 1, victim, "back", 3000).outcome, WriteOutcome::kNotFound);
    EXPECT_EQ(svc.count(1), 4u);

    // The full list is exactly the committed records, by id.
    std::string want;
    for (auto& [id, json] : org1) want += (want.empty() ? "" : ",") + json;
    EXPECT_EQ(full_list(svc, 1), want);
    if (writer) writer->Stop();
  }

  // Restart: a fresh service over the reopened database.
  auto db = open_db(db_path);
  ASSERT_TRUE(db);
  storage::ResourceStore store(*db, nullptr);
  Service svc(store, &render_dashboard);
  ASSERT_TRUE(svc.load().ok());
  EXPECT_EQ(svc.count(1), org1.size());
  EXPECT_EQ(svc.count(2), org2.size());
  for (auto* org : {&org1, &org2}) {
    uint64_t org_id = org == &org1 ? 1 : 2;
    std::string want;
    for (auto& [id, json] : *org) {
      want += (want.empty() ? "" : ",") + json;
      std::string one;
      EXPECT_TRUE(svc.render(org_id, id, &one)) << id;
      EXPECT_EQ(one, json);
    }
    EXPECT_EQ(full_list(svc, org_id), want);
  }
  // Ids keep increasing after a restart.
  WriteResult r = create(svc, new_dash(1, "After restart"));
  ASSERT_EQ(r.outcome, WriteOutcome::kOk);
  EXPECT_GT(id_in(r.json), org2.rbegin()->first);
  EXPECT_GT(id_in(r.json), org1.rbegin()->first);
}

TEST(ResourcesResourceService, CrudAndRestartWithSynchronousStore) {
  TempDir dir;
  run_crud_scenario(dir.sub("db"), false);
}

TEST(ResourcesResourceService, CrudAndRestartWithGroupCommitWriter) {
  TempDir dir;
  run_crud_scenario(dir.sub("db"), true);
}

TEST(ResourcesResourceService, SynchronousStoreCallsDoneBeforeReturning) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  storage::ResourceStore store(*db, nullptr);
  Service svc(store, &render_dashboard);
  bool called = false;
  svc.create(new_dash(1, "x"), [&](WriteResult r) {
    called = true;
    EXPECT_EQ(r.outcome, WriteOutcome::kOk);
  });
  EXPECT_TRUE(called);
  called = false;
  svc.update(1, 424242, 5, [](model::Dashboard&) { ADD_FAILURE() << "edit of a missing record"; },
             [&](WriteResult r) {
               called = true;
               EXPECT_EQ(r.outcome, WriteOutcome::kNotFound);
             });
  EXPECT_TRUE(called);
}

// Writes queued back to back (before the first is durable) see each other:
// the second update edits the first one's result, a remove after an update
// wins, and an update after a queued remove is kNotFound.
TEST(ResourcesResourceService, QueuedWritesAreSerializedNotLost) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  storage::GroupCommitWriter writer(*db);
  storage::ResourceStore store(*db, &writer);
  Service svc(store, &render_dashboard);
  ASSERT_TRUE(svc.load().ok());

  constexpr int kRecords = 20, kEdits = 10;
  std::vector<std::future<WriteResult>> futures;
  std::vector<uint64_t> ids;
  for (int i = 0; i < kRecords; ++i) {
    WriteResult r = create(svc, new_dash(1, "r"));
    ASSERT_EQ(r.outcome, WriteOutcome::kOk);
    ids.push_back(id_in(r.json));
  }
  auto submit = [&](auto start) {
    auto promise = std::make_shared<std::promise<WriteResult>>();
    futures.push_back(promise->get_future());
    start([promise](WriteResult r) { promise->set_value(std::move(r)); });
  };
  // Without waiting: every record gets kEdits appends; odd records are then
  // removed and edited once more.
  for (int e = 0; e < kEdits; ++e)
    for (uint64_t id : ids)
      submit([&](Service::DoneFn done) {
        svc.update(1, id, 3000 + e, [e](model::Dashboard& d) { d.name += std::to_string(e); }, std::move(done));
      });
  size_t edits_end = futures.size();
  for (size_t i = 1; i < ids.size(); i += 2) {
    submit([&](Service::DoneFn done) { svc.remove(1, ids[i], std::move(done)); });
    submit([&](Service::DoneFn done) {
      svc.update(1, ids[i], 9999, [](model::Dashboard& d) { d.name = "resurrected"; }, std::move(done));
    });
  }
  for (size_t f = 0; f < futures.size(); ++f) {
    WriteResult r = futures[f].get();
    if (f < edits_end) {
      EXPECT_EQ(r.outcome, WriteOutcome::kOk) << f;
    } else if ((f - edits_end) % 2 == 0) {
      EXPECT_EQ(r.outcome, WriteOutcome::kOk) << "remove " << f;
    } else {
      EXPECT_EQ(r.outcome, WriteOutcome::kNotFound) << "update after a queued remove " << f;
    }
  }
  std::string all_edits;
  for (int e = 0; e < kEdits; ++e) all_edits += std::to_string(e);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string one;
    if (i % 2 == 1) {
      EXPECT_FALSE(svc.render(1, ids[i], &one)) << one;
      continue;
    }
    ASSERT_TRUE(svc.render(1, ids[i], &one));
    EXPECT_EQ(one, expected_json(ids[i], "r" + all_edits, 3000 + kEdits - 1));
  }
  EXPECT_EQ(svc.count(1), size_t(kRecords / 2));
  writer.Stop();

  // The same after a restart.
  Service again(store, &render_dashboard);
  ASSERT_TRUE(again.load().ok());
  EXPECT_EQ(again.count(1), size_t(kRecords / 2));
  EXPECT_EQ(full_list(again, 1), full_list(svc, 1));
}

// Creates from several threads at once through the group-commit writer.
TEST(ResourcesResourceService, ConcurrentCreatesGetDistinctIdsAndAllPersist) {
  TempDir dir;
  const std::string path = dir.sub("db");
  constexpr int kThreads = 4, kEach = 100;
  std::string list_before;
  {
    auto db = open_db(path);
    ASSERT_TRUE(db);
    storage::GroupCommitWriter writer(*db);
    storage::ResourceStore store(*db, &writer);
    Service svc(store, &render_dashboard);
    ASSERT_TRUE(svc.load().ok());
    std::vector<std::thread> threads;
    std::vector<std::vector<uint64_t>> ids(kThreads);
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          WriteResult r = create(svc, new_dash(uint64_t(1 + t % 2), "t" + std::to_string(t)));
          EXPECT_EQ(r.outcome, WriteOutcome::kOk);
          ids[size_t(t)].push_back(id_in(r.json));
        }
      });
    for (auto& th : threads) th.join();
    std::set<uint64_t> all;
    for (auto& v : ids) {
      for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);  // increasing per thread
      all.insert(v.begin(), v.end());
    }
    EXPECT_EQ(all.size(), size_t(kThreads * kEach));
    EXPECT_EQ(svc.count(1) + svc.count(2), size_t(kThreads * kEach));
    list_before = full_list(svc, 1) + "|" + full_list(svc, 2);
    writer.Stop();
  }
  auto db = open_db(path);
  ASSERT_TRUE(db);
  storage::ResourceStore store(*db, nullptr);
  Service svc(store, &render_dashboard);
  ASSERT_TRUE(svc.load().ok());
  EXPECT_EQ(svc.count(1) + svc.count(2), size_t(kThreads * kEach));
  EXPECT_EQ(full_list(svc, 1) + "|" + full_list(svc, 2), list_before);
}

// A stopped writer refuses every Submit at once: the write reports kFailed
// with the storage status, and nothing changes, in memory or on disk.
TEST(ResourcesResourceService, RefusedWriteIsFailedAndChangesNothing) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  storage::GroupCommitWriter writer(*db);
  storage::ResourceStore store(*db, &writer);
  Service svc(store, &render_dashboard);
  WriteResult ok = create(svc, new_dash(1, "kept"));
  ASSERT_EQ(ok.outcome, WriteOutcome::kOk);
  uint64_t id = id_in(ok.json);
  writer.Stop();

  WriteResult c = create(svc, new_dash(1, "refused"));
  EXPECT_EQ(c.outcome, WriteOutcome::kFailed);
  EXPECT_FALSE(c.status.ok());
  WriteResult u = rename(svc, 1, id, "refused", 5000);
  EXPECT_EQ(u.outcome, WriteOutcome::kFailed);
  WriteResult d = remove(svc, 1, id);
  EXPECT_EQ(d.outcome, WriteOutcome::kFailed);
  EXPECT_EQ(svc.count(1), 1u);
  std::string one;
  ASSERT_TRUE(svc.render(1, id, &one));
  EXPECT_EQ(one, ok.json);
  // The refused writes left no pending version behind: a later read-modify-
  // write starts from the committed record (not "refused", not deleted).
  std::string seen = "<edit not called>";
  WriteResult again_u = wait_for([&](Service::DoneFn done) {
    svc.update(1, id, 6000, [&](model::Dashboard& rec) { seen = rec.name; }, std::move(done));
  });
  EXPECT_EQ(again_u.outcome, WriteOutcome::kFailed);
  EXPECT_EQ(seen, "kept");
  // Nothing reached the disk either.
  storage::ResourceStore sync_store(*db, nullptr);
  Service fresh(sync_store, &render_dashboard);
  ASSERT_TRUE(fresh.load().ok());
  EXPECT_EQ(fresh.count(1), 1u);
  std::string again;
  ASSERT_TRUE(fresh.render(1, id, &again));
  EXPECT_EQ(again, ok.json);
}

}  // namespace
}  // namespace claribi::resources
