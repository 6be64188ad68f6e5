// Micro-benchmarks of storage/: what a request costs when it touches the
// database. Point lookups (a hit, and a miss that the bloom filter answers),
// the record codec, and synced writes — one at a time versus through the
// GroupCommitWriter with concurrent submitters (the reason it exists).
// The database lives in a temporary directory under /tmp (real fsyncs).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/identity_store.h"
#include "storage/keys.h"
#include "storage/record_codec.h"

namespace claribi::storage {
namespace {

constexpr uint64_t kUsers = 100000;
constexpr uint64_t kOrgs = 100;

model::User sample_user(uint64_t id) {
  model::User u;
  u.id = id;
  u.org_id = 1 + id % kOrgs;
  u.email = "user" + std::to_string(id) + "@example.com";
  u.first_name = "Jane";
  u.last_name = "Smith";
  u.role = model::Role::kEditor;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA";
  u.created_at = u.updated_at = 1750000000;
  return u;
}

// One database for the whole run: kUsers users, reopened once so they sit
// in SST files (bloom filters, block cache) rather than the memtable.
class Fixture {
 public:
  static Fixture& get() {
    static Fixture f;
    return f;
  }
  Database& db() { return *db_; }
  ~Fixture() {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  Fixture() {
    char tmpl[] = "/tmp/claribi-bench-storage-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    Open();
    Batch b;
    for (uint64_t i = 1; i <= kUsers; ++i) {
      IdentityStore::PutUser(b, sample_user(i));
      if (b.count() >= 20000) {
        (void)db_->Write(b);
        b.Clear();
      }
    }
    (void)db_->Write(b);
    db_.reset();
    Open();
  }
  void Open() {
    DatabaseOptions o;
    o.path = dir_ + "/db";
    db_ = std::move(Database::Open(o)).value();
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
};

void BM_EncodeUser(benchmark::State& state) {
  model::User u = sample_user(12345);
  std::string out;
  for (auto _ : state) {
    encode(u, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::to_string(out.size()) + "-byte record");
}
BENCHMARK(BM_EncodeUser);

void BM_DecodeUser(benchmark::State& state) {
  const std::string bytes = encode(sample_user(12345));
  model::User u;
  for (auto _ : state) {
    bool ok = decode(bytes, &u);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_DecodeUser);

void BM_GetUserHit(benchmark::State& state) {
  Database& db = Fixture::get().db();
  std::mt19937_64 rng(1);
  std::string value;
  char buf[kOrgKeySize];
  for (auto _ : state) {
    uint64_t id = 1 + rng() % kUsers;
    Status s = db.Get(Family::kUsers, org_key(1 + id % kOrgs, id, buf), &value);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_GetUserHit);

void BM_GetUserMiss(benchmark::State& state) {
  Database& db = Fixture::get().db();
  std::mt19937_64 rng(2);
  std::string value;
  char buf[kOrgKeySize];
  for (auto _ : state) {
    uint64_t id = kUsers + 1 + rng() % kUsers;  // never written
    Status s = db.Get(Family::kUsers, org_key(1 + id % kOrgs, id, buf), &value);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_GetUserMiss);

void BM_FindUserIdByEmailMiss(benchmark::State& state) {
  IdentityStore store(Fixture::get().db(), nullptr);
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    std::string email = "nobody" + std::to_string(rng() % 1000000) + "@example.com";
    auto id = store.FindUserIdByEmail(email);
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_FindUserIdByEmailMiss);

// Synced writes, each thread writing on its own: they serialise on the
// device flush.
void BM_SyncWriteDirect(benchmark::State& state) {
  Database& db = Fixture::get().db();
  const uint64_t t = static_cast<uint64_t>(state.thread_index());
  uint64_t i = 0;
  for (auto _ : state) {
    Batch b;
    b.Put(Family::kReports, org_key(1000 + t, ++i), "report");
    Status s = db.Write(b);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SyncWriteDirect)->Threads(1)->Threads(8)->UseRealTime();

// The same writes through the GroupCommitWriter, each thread waiting for
// its completion like a request would.
GroupCommitWriter* g_writer = nullptr;
void StartWriter(const benchmark::State&) { g_writer = new GroupCommitWriter(Fixture::get().db()); }
void StopWriter(const benchmark::State&) {
  delete g_writer;
  g_writer = nullptr;
}

void BM_SyncWriteGroupCommit(benchmark::State& state) {
  const uint64_t t = static_cast<uint64_t>(state.thread_index());
  uint64_t i = 0;
  std::mutex m;
  std::condition_variable cv;
  for (auto _ : state) {
    Batch b;
    b.Put(Family::kReports, org_key(2000 + t, ++i), "report");
    bool done = false;
    g_writer->Submit(std::move(b), [&](Status) {
      std::lock_guard lk(m);
      done = true;
      cv.notify_one();
    });
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return done; });
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SyncWriteGroupCommit)
    ->Setup(StartWriter)
    ->Teardown(StopWriter)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->UseRealTime();

}  // namespace
}  // namespace claribi::storage

BENCHMARK_MAIN();
