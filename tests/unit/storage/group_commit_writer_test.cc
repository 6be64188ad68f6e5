// GroupCommitWriter: concurrent submits are grouped into fewer synced
// writes, every callback runs once and in submission order, after_commit
// hooks run before done, failures reach every callback, Stop drains.
#include "storage/group_commit_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/keys.h"
#include "unit/storage/temp_dir.h"

namespace claribi::storage {
namespace {

using testing::TempDir;

std::unique_ptr<Database> open_db(const std::string& path, bool read_only = false) {
  DatabaseOptions o;
  o.path = path;
  o.read_only = read_only;
  auto r = Database::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

// A database every write to fails: created, then opened read-only.
std::unique_ptr<Database> open_failing_db(TempDir& dir) {
  if (!open_db(dir.sub("db"))) return nullptr;
  return open_db(dir.sub("db"), /*read_only=*/true);
}

TEST(StorageGroupCommit, ManyThreadsAreGroupedAndAllCommit) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  constexpr int kThreads = 8, kEach = 500, kTotal = kThreads * kEach;
  GroupCommitWriter writer(*db);

  std::atomic<int> ok{0}, failed{0};
  // Per thread, the order in which its done callbacks ran (only the writer
  // thread appends, so no lock is needed until after Stop()).
  std::vector<std::vector<int>> completion_order(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Batch b;
        uint64_t id = db->AllocateId(Sequence::kDashboard);
        b.Put(Family::kDashboards, org_key(static_cast<uint64_t>(t + 1), id), std::to_string(t) + ":" + std::to_string(i));
        writer.Submit(std::move(b), [&, t, i](Status s) {
          (s.ok() ? ok : failed).fetch_add(1);
          completion_order[t].push_back(i);
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  writer.Stop();  // drains

  EXPECT_EQ(ok.load(), kTotal);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(writer.writes_committed(), static_cast<uint64_t>(kTotal));
  EXPECT_LT(writer.batches_written(), static_cast<uint64_t>(kTotal)) << "no grouping happened";
  EXPECT_GE(writer.batches_written(), 1u);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(completion_order[t].size(), static_cast<size_t>(kEach));
    for (int i = 0; i < kEach; ++i) EXPECT_EQ(completion_order[t][i], i) << "thread " << t;
  }

  size_t found = 0;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(db->ForEachPrefix(Family::kDashboards, org_prefix(static_cast<uint64_t>(t + 1)),
                                  [&](std::string_view, std::string_view v) {
                                    EXPECT_TRUE(v.starts_with(std::to_string(t) + ":"));
                                    ++found;
                                    return true;
                                  }).ok());
  }
  EXPECT_EQ(found, static_cast<size_t>(kTotal));
}

TEST(StorageGroupCommit, WaitingSubmittersAreGroupedToo) {
  // Like reactors: each submitter waits for its own completion before the
  // next write. Concurrent waiters still share syncs.
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db);
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        Batch b;
        b.Put(Family::kReports, org_key(static_cast<uint64_t>(t), static_cast<uint64_t>(i)), "r");
        writer.Submit(std::move(b), [&](Status s) {
          if (s.ok()) ok.fetch_add(1);
          std::lock_guard lk(m);
          done = true;
          cv.notify_one();
        });
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return done; });
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_LT(writer.batches_written(), static_cast<uint64_t>(kThreads * kEach));
}

TEST(StorageGroupCommit, AfterCommitRunsBeforeDoneInOrder) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  std::vector<std::string> log;  // appended on the writer thread only
  {
    GroupCommitWriter writer(*db);
    for (int i = 0; i < 200; ++i) {
      Batch b;
      b.Put(Family::kMeta, "k" + std::to_string(i), "v");
      writer.Submit(
          std::move(b),
          [&, i] {
            // Durable already: the record is readable when the hook runs.
            std::string v;
            EXPECT_TRUE(db->Get(Family::kMeta, "k" + std::to_string(i), &v).ok());
            log.push_back("a" + std::to_string(i));
          },
          [&, i](Status s) {
            EXPECT_TRUE(s.ok());
            log.push_back("d" + std::to_string(i));
          });
    }
  }  // destructor stops and drains
  ASSERT_EQ(log.size(), 400u);
  // Each after_commit precedes its done; hooks and dones keep submission order.
  int next_a = 0, next_d = 0;
  for (const auto& e : log) {
    int n = std::stoi(e.substr(1));
    if (e[0] == 'a') {
      EXPECT_EQ(n, next_a++);
    } else {
      EXPECT_EQ(n, next_d++);
      EXPECT_LT(n, next_a) << "done before its after_commit";
    }
  }
}

TEST(StorageGroupCommit, FailedWriteReachesEveryCallbackAndAppliesNothing) {
  TempDir dir;
  auto db = open_failing_db(dir);
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db);
  std::atomic<int> failed{0}, hooks{0};
  for (int i = 0; i < 100; ++i) {
    Batch b;
    b.Put(Family::kUsers, "k" + std::to_string(i), "v");
    writer.Submit(std::move(b), [&] { hooks.fetch_add(1); }, [&](Status s) {
      if (!s.ok()) failed.fetch_add(1);
    });
  }
  writer.Stop();
  EXPECT_EQ(failed.load(), 100);
  EXPECT_EQ(hooks.load(), 0);
  EXPECT_EQ(writer.writes_failed(), 100u);
  EXPECT_EQ(writer.writes_committed(), 0u);
  std::string v;
  EXPECT_EQ(db->Get(Family::kUsers, "k0", &v).code(), StatusCode::kNotFound);
}

// An empty batch wrote nothing that could fail: its after_commit (work done
// on the writer thread, such as applying another node's changes) runs even
// in a group whose write failed; the non-empty batches' hooks do not.
TEST(StorageGroupCommit, EmptyBatchHookRunsEvenWhenItsGroupFails) {
  TempDir dir;
  auto db = open_failing_db(dir);
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db);
  std::atomic<int> empty_hooks{0}, other_hooks{0};
  for (int i = 0; i < 20; ++i) {
    Batch b;
    b.Put(Family::kUsers, "k" + std::to_string(i), "v");
    writer.Submit(std::move(b), [&] { other_hooks.fetch_add(1); }, [](Status) {});
    writer.Submit(Batch(), [&] { empty_hooks.fetch_add(1); }, [](Status) {});
  }
  writer.Stop();
  EXPECT_EQ(empty_hooks.load(), 20);
  EXPECT_EQ(other_hooks.load(), 0);
}

TEST(StorageGroupCommit, SubmitAfterStopFailsAtOnce) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db);
  writer.Stop();
  writer.Stop();  // idempotent
  bool called = false;
  Batch b;
  b.Put(Family::kUsers, "k", "v");
  writer.Submit(std::move(b), [&](Status s) {
    called = true;
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  });
  EXPECT_TRUE(called);
  std::string v;
  EXPECT_EQ(db->Get(Family::kUsers, "k", &v).code(), StatusCode::kNotFound);
}

TEST(StorageGroupCommit, SmallGroupLimitStillCommitsEverything) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  GroupCommitWriter writer(*db, /*max_group_bytes=*/1);  // every batch alone
  std::atomic<int> ok{0};
  for (int i = 0; i < 50; ++i) {
    Batch b;
    b.Put(Family::kUsers, "k" + std::to_string(i), std::string(100, 'v'));
    writer.Submit(std::move(b), [&](Status s) { ok.fetch_add(s.ok() ? 1 : 0); });
  }
  Batch empty;  // a barrier
  bool barrier = false;
  writer.Submit(std::move(empty), [&](Status s) { barrier = s.ok() && ok.load() == 50; });
  writer.Stop();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_TRUE(barrier);
  EXPECT_EQ(writer.batches_written(), 51u);
}

}  // namespace
}  // namespace claribi::storage
