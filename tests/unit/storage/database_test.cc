// Database: reads, scans, atomic writes, reopen, id sequences, the lock that
// keeps a second process out, checkpoints, and schema growth.
#include "storage/database.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

std::string get(const Database& db, Family f, std::string_view key) {
  std::string v;
  Status s = db.Get(f, key, &v);
  return s.ok() ? v : "<" + std::to_string(static_cast<int>(s.code())) + ">";
}

std::vector<std::string> scan(const Database& db, Family f, std::string_view prefix, bool reverse = false) {
  std::vector<std::string> keys;
  auto fn = [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  };
  Status s = reverse ? db.ForEachPrefixReverse(f, prefix, fn) : db.ForEachPrefix(f, prefix, fn);
  EXPECT_TRUE(s.ok()) << s.message();
  return keys;
}

TEST(StorageDatabase, GetPutDeleteAndNotFound) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  std::string v;
  Status s = db->Get(Family::kUsers, "missing", &v);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);

  Batch b;
  b.Put(Family::kUsers, "a", "1");
  b.Put(Family::kApiKeys, "a", "2");  // same key, other family
  ASSERT_TRUE(db->Write(b).ok());
  EXPECT_EQ(get(*db, Family::kUsers, "a"), "1");
  EXPECT_EQ(get(*db, Family::kApiKeys, "a"), "2");
  EXPECT_EQ(db->Get(Family::kDashboards, "a", &v).code(), StatusCode::kNotFound);

  Batch d;
  d.Delete(Family::kUsers, "a");
  ASSERT_TRUE(db->Write(d).ok());
  EXPECT_EQ(db->Get(Family::kUsers, "a", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(get(*db, Family::kApiKeys, "a"), "2");
}

// The embedded engine's process is its only writer, and its view is the
// database: preconditions (batch.h) are not checked, only carried.
TEST(StorageDatabase, EmbeddedEngineWritesPastPreconditions) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  Batch b;
  b.Expect(Family::kUsers, "a", "not what is there");
  b.ExpectAbsent(Family::kUsers, "b");
  b.Put(Family::kUsers, "a", "1");
  ASSERT_TRUE(db->Write(b).ok());
  EXPECT_EQ(get(*db, Family::kUsers, "a"), "1");
  std::string v;
  EXPECT_EQ(db->Get(Family::kUsers, "b", &v).code(), StatusCode::kNotFound) << "a precondition writes nothing";
}

TEST(StorageDatabase, PrefixScansForwardReverseAndStop) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  Batch b;
  for (uint64_t org : {1ULL, 2ULL, 3ULL, ~0ULL})
    for (uint64_t id : {5ULL, 1ULL, 300ULL, ~0ULL}) b.Put(Family::kDashboards, org_key(org, id), "v");
  ASSERT_TRUE(db->Write(b).ok());

  auto keys = scan(*db, Family::kDashboards, org_prefix(2));
  ASSERT_EQ(keys.size(), 4u);
  std::vector<uint64_t> ids;
  for (auto& k : keys) {
    uint64_t org = 0, id = 0;
    ASSERT_TRUE(decode_org_key(k, &org, &id));
    EXPECT_EQ(org, 2u);
    ids.push_back(id);
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{1, 5, 300, ~0ULL}));

  auto rev = scan(*db, Family::kDashboards, org_prefix(2), true);
  std::reverse(rev.begin(), rev.end());
  EXPECT_EQ(rev, keys);

  // A prefix with no successor (all 0xff) and the empty prefix.
  EXPECT_EQ(scan(*db, Family::kDashboards, org_prefix(~0ULL)).size(), 4u);
  EXPECT_EQ(scan(*db, Family::kDashboards, org_prefix(~0ULL), true).size(), 4u);
  EXPECT_EQ(scan(*db, Family::kDashboards, "").size(), 16u);
  EXPECT_EQ(scan(*db, Family::kDashboards, "", true).front(), org_key(~0ULL, ~0ULL));
  EXPECT_TRUE(scan(*db, Family::kDashboards, org_prefix(4)).empty());
  EXPECT_TRUE(scan(*db, Family::kDashboards, org_prefix(4), true).empty());

  // Stopping early.
  int seen = 0;
  ASSERT_TRUE(db->ForEachPrefixReverse(Family::kDashboards, org_prefix(3), [&](std::string_view k, std::string_view) {
                  ++seen;
                  EXPECT_EQ(k, org_key(3, ~0ULL));
                  return false;
                }).ok());
  EXPECT_EQ(seen, 1);
}

TEST(StorageDatabase, ReopenKeepsEverything) {
  TempDir dir;
  {
    auto db = open_db(dir.sub("db"));
    ASSERT_TRUE(db);
    for (size_t f = 0; f < kFamilyCount; ++f) {
      Batch b;
      for (int i = 0; i < 100; ++i) b.Put(static_cast<Family>(f), "key" + std::to_string(i), std::to_string(f * 1000 + i));
      ASSERT_TRUE(db->Write(b).ok());
    }
  }
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  for (size_t f = 0; f < kFamilyCount; ++f)
    for (int i = 0; i < 100; ++i)
      EXPECT_EQ(get(*db, static_cast<Family>(f), "key" + std::to_string(i)), std::to_string(f * 1000 + i));
}

TEST(StorageDatabase, GroupWriteIsAtomic) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  Batch good;
  good.Put(Family::kUsers, "good", "1");
  Batch bad;
  bad.Put(Family::kUsers, "also-good", "1");
  bad.Put(static_cast<Family>(200), "bad", "1");  // no such family: the write fails
  const Batch* group[] = {&good, &bad};
  Status s = db->WriteGroup(group);
  EXPECT_FALSE(s.ok());
  std::string v;
  EXPECT_EQ(db->Get(Family::kUsers, "good", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(db->Get(Family::kUsers, "also-good", &v).code(), StatusCode::kNotFound);

  const Batch* ok_group[] = {&good};
  ASSERT_TRUE(db->WriteGroup(ok_group).ok());
  EXPECT_EQ(get(*db, Family::kUsers, "good"), "1");
}

TEST(StorageDatabase, IdsArePositiveUniqueAndThreadSafe) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  EXPECT_EQ(db->AllocateId(Sequence::kUser), 1u);
  EXPECT_EQ(db->AllocateId(Sequence::kOrganization), 1u);  // sequences are independent
  constexpr int kThreads = 8, kEach = 10000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) got[t].push_back(db->AllocateId(Sequence::kDashboard));
    });
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kEach));
}

TEST(StorageDatabase, IdsNotReusedAfterDeleteAndReopen) {
  TempDir dir;
  uint64_t last = 0;
  {
    auto db = open_db(dir.sub("db"));
    ASSERT_TRUE(db);
    Batch b;
    for (int i = 0; i < 3; ++i) {
      last = db->AllocateId(Sequence::kUser);
      b.Put(Family::kUsers, org_key(1, last), "u");
    }
    ASSERT_TRUE(db->Write(b).ok());
    Batch d;  // delete the newest record: the largest id is no longer on disk
    d.Delete(Family::kUsers, org_key(1, last));
    ASSERT_TRUE(db->Write(d).ok());
  }
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  EXPECT_EQ(db->AllocateId(Sequence::kUser), last + 1);
}

TEST(StorageDatabase, IdsStartAfterRecordsEvenWithoutHighWaterMark) {
  // Records whose ids did not come from AllocateId, and no stored mark at all
  // (as if it were lost): the scan at Open still puts the counters past them.
  TempDir dir;
  {
    auto db = open_db(dir.sub("db"));
    ASSERT_TRUE(db);
    Batch b;
    b.Put(Family::kUsers, org_key(9, 1000), "u");    // not the last key of the family...
    b.Put(Family::kUsers, org_key(10, 5), "u");      // ...this one is
    b.Put(Family::kOrganizations, id_key(77), "o");
    b.Delete(Family::kMeta, "seq/user");
    ASSERT_TRUE(db->Write(b).ok());
    std::string v;
    EXPECT_EQ(db->Get(Family::kMeta, "seq/user", &v).code(), StatusCode::kNotFound);
  }
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  EXPECT_EQ(db->AllocateId(Sequence::kUser), 1001u);
  EXPECT_EQ(db->AllocateId(Sequence::kOrganization), 78u);
  EXPECT_EQ(db->AllocateId(Sequence::kReport), 1u);
}

TEST(StorageDatabase, HighWaterMarkCoversIdsOfUnrelatedWrites) {
  // Ids allocated but whose records were never written are still never
  // handed out again once any later write committed.
  TempDir dir;
  {
    auto db = open_db(dir.sub("db"));
    ASSERT_TRUE(db);
    for (int i = 0; i < 50; ++i) (void)db->AllocateId(Sequence::kApiKey);
    Batch b;
    b.Put(Family::kOrganizations, id_key(db->AllocateId(Sequence::kOrganization)), "o");
    ASSERT_TRUE(db->Write(b).ok());
  }
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  EXPECT_EQ(db->AllocateId(Sequence::kApiKey), 51u);
  EXPECT_EQ(db->AllocateId(Sequence::kOrganization), 2u);
}

TEST(StorageDatabase, SecondOpenInThisProcessFailsClearly) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  DatabaseOptions o;
  o.path = dir.sub("db");
  auto second = Database::Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("lock held"), std::string::npos) << second.status().message();
  // The first instance is unharmed (its lock too: see the next test's probe).
  Batch b;
  b.Put(Family::kMeta, "x", "y");
  EXPECT_TRUE(db->Write(b).ok());
}

// Holds <path>/LOCK the way a RocksDB in another process does (an fcntl
// write lock) until told to stop.
class LockHolder {
 public:
  explicit LockHolder(const std::string& lock_file) {
    EXPECT_EQ(::pipe(ready_), 0);
    EXPECT_EQ(::pipe(release_), 0);
    pid_ = ::fork();
    if (pid_ == 0) {  // child: async-signal-safe calls only
      int fd = ::open(lock_file.c_str(), O_RDWR);
      struct flock fl {};
      fl.l_type = F_WRLCK;
      fl.l_whence = SEEK_SET;
      char ok = (fd >= 0 && ::fcntl(fd, F_SETLK, &fl) == 0) ? 'y' : 'n';
      (void)!::write(ready_[1], &ok, 1);
      char c;
      (void)!::read(release_[0], &c, 1);
      ::_exit(0);
    }
    char ok = 0;
    EXPECT_EQ(::read(ready_[0], &ok, 1), 1);
    locked_ = ok == 'y';
  }
  ~LockHolder() {
    char c = 'x';
    (void)!::write(release_[1], &c, 1);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    for (int fd : {ready_[0], ready_[1], release_[0], release_[1]}) ::close(fd);
  }
  bool locked() const { return locked_; }

 private:
  int ready_[2]{-1, -1};
  int release_[2]{-1, -1};
  pid_t pid_ = -1;
  bool locked_ = false;
};

TEST(StorageDatabase, OpenFailsClearlyWhileAnotherProcessHoldsTheLock) {
  TempDir dir;
  const std::string path = dir.sub("db");
  {
    auto db = open_db(path);
    ASSERT_TRUE(db);
    Batch b;
    b.Put(Family::kUsers, "k", "v");
    ASSERT_TRUE(db->Write(b).ok());
  }
  {
    LockHolder holder(path + "/LOCK");
    ASSERT_TRUE(holder.locked());
    for (bool read_only : {false, true}) {
      DatabaseOptions o;
      o.path = path;
      o.read_only = read_only;
      auto r = Database::Open(o);
      ASSERT_FALSE(r.ok()) << "read_only=" << read_only;
      EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
      EXPECT_EQ(r.status().message(), "database is in use by another process (lock held): " + path);
    }
  }
  auto db = open_db(path);  // released: opens again
  ASSERT_TRUE(db);
  EXPECT_EQ(get(*db, Family::kUsers, "k"), "v");
}

TEST(StorageDatabase, OwnLockSurvivesAFailedSecondOpen) {
  // POSIX drops a process's record locks when it closes any descriptor of
  // the file; a failed second open must not close the LOCK file under the
  // first instance, or another process could then open the database too.
  TempDir dir;
  const std::string path = dir.sub("db");
  auto db = open_db(path);
  ASSERT_TRUE(db);
  DatabaseOptions o;
  o.path = path;
  EXPECT_FALSE(Database::Open(o).ok());
  o.read_only = true;
  EXPECT_FALSE(Database::Open(o).ok());
  o.path = path + "/";  // same directory, spelled differently
  EXPECT_FALSE(Database::Open(o).ok());

  pid_t pid = ::fork();
  if (pid == 0) {  // another process asks whether the lock is held
    int fd = ::open((path + "/LOCK").c_str(), O_RDONLY);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    bool held = fd >= 0 && ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    ::_exit(held ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the first instance lost its lock";
}

TEST(StorageDatabase, ReadOnlyOpenReadsButRefusesWrites) {
  TempDir dir;
  const std::string path = dir.sub("db");
  {
    auto db = open_db(path);
    ASSERT_TRUE(db);
    Batch b;
    b.Put(Family::kReports, "r", "1");
    ASSERT_TRUE(db->Write(b).ok());
  }
  auto ro = open_db(path, true);
  ASSERT_TRUE(ro);
  EXPECT_TRUE(ro->read_only());
  EXPECT_EQ(get(*ro, Family::kReports, "r"), "1");
  Batch b;
  b.Put(Family::kReports, "r", "2");
  EXPECT_EQ(ro->Write(b).code(), StatusCode::kPermissionDenied);

  DatabaseOptions missing;
  missing.path = dir.sub("nothing-here");
  missing.read_only = true;
  EXPECT_FALSE(Database::Open(missing).ok());
}

TEST(StorageDatabase, CheckpointOpensWithTheData) {
  TempDir dir;
  auto db = open_db(dir.sub("db"));
  ASSERT_TRUE(db);
  Batch b;
  for (int i = 0; i < 1000; ++i) b.Put(Family::kUsers, org_key(1, db->AllocateId(Sequence::kUser)), "u" + std::to_string(i));
  ASSERT_TRUE(db->Write(b).ok());
  ASSERT_TRUE(db->Checkpoint(dir.sub("cp")).ok());
  // Writes after the checkpoint are not in it; the live database goes on.
  Batch after;
  after.Put(Family::kUsers, "after", "x");
  ASSERT_TRUE(db->Write(after).ok());
  EXPECT_FALSE(db->Checkpoint(dir.sub("cp")).ok());  // destination exists

  auto cp = open_db(dir.sub("cp"));
  ASSERT_TRUE(cp);
  EXPECT_EQ(scan(*cp, Family::kUsers, org_prefix(1)).size(), 1000u);
  EXPECT_EQ(get(*cp, Family::kUsers, org_key(1, 1)), "u0");
  std::string v;
  EXPECT_EQ(cp->Get(Family::kUsers, "after", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(cp->AllocateId(Sequence::kUser), 1001u);
}

TEST(StorageDatabase, OpensAnOlderSchemaAndKeepsUnknownFamilies) {
  // A database written by an older version (fewer families) plus a family
  // from a newer one: Open creates ours, keeps theirs, loses nothing.
  TempDir dir;
  const std::string path = dir.sub("db");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, o}, {"users", o}, {"from_the_future", o}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, path, cfs, &handles, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[1], org_key(1, 41), "u").ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[2], "f", "future").ok());
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  {
    auto db = open_db(path);
    ASSERT_TRUE(db);
    EXPECT_EQ(get(*db, Family::kUsers, org_key(1, 41)), "u");
    EXPECT_EQ(db->AllocateId(Sequence::kUser), 42u);
    Batch b;
    b.Put(Family::kReports, "new", "family");
    ASSERT_TRUE(db->Write(b).ok());
    EXPECT_NE(db->Stats().find("reports"), std::string::npos);
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "from_the_future"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "reports"), names.end());
  EXPECT_EQ(names.size(), kFamilyCount + 1);
  auto db = open_db(path, true);
  ASSERT_TRUE(db);
  EXPECT_EQ(get(*db, Family::kReports, "new"), "family");
}

}  // namespace
}  // namespace claribi::storage
