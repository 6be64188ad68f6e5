// Micro-benchmarks of the authentication indexes: an API key by its SHA-256
// hash among 1,000,000 keys (hits and misses), a user by id among 100,000.
// "Throughput" runs independent lookups (the CPU overlaps their cache misses,
// as a reactor serving many requests would not within one request);
// "Latency" chains each lookup on the result of the previous one.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "index/concurrent_map.h"
#include "index/hashers.h"
#include "model/records.h"

namespace claribi::index {
namespace {

constexpr size_t kApiKeys = 1'000'000;
constexpr size_t kUsers = 100'000;
constexpr size_t kProbes = 1 << 20;

using KeyMap = ConcurrentMap<model::KeyHash, model::ApiKey, KeyHashHasher>;
using UserMap = ConcurrentMap<uint64_t, model::User, U64Hasher>;

// Stored key i has a hash computed from i (as random as SHA-256 output), so
// the latency benchmark can derive a probe without a memory access.
model::KeyHash key_hash_of(uint64_t i) {
  model::KeyHash h;
  for (uint64_t w = 0; w < 4; ++w) {
    const uint64_t r = U64Hasher{}(i * 4 + w + 0x5eed);
    std::memcpy(h.data() + w * 8, &r, 8);
  }
  return h;
}

struct Fixture {
  Qsbr qsbr{8};
  std::unique_ptr<KeyMap> keys;
  std::unique_ptr<UserMap> users;
  std::vector<model::KeyHash> hit_probes;   // random stored keys
  std::vector<model::KeyHash> miss_probes;  // random absent keys
  std::vector<uint64_t> user_probes;
  std::vector<uint64_t> user_miss_probes;

  Fixture() {
    std::mt19937_64 rng(2024);
    keys = std::make_unique<KeyMap>(qsbr);
    // Loaded as the start-up loader would, without reserve().
    for (size_t i = 0; i < kApiKeys; ++i) {
      model::ApiKey k;
      k.id = i;
      k.org_id = 1 + i % 1000;
      k.user_id = 1 + i % kUsers;
      k.name = "integration key";
      k.prefix = "cbk_abcd";
      k.hash = key_hash_of(i);
      k.scopes = model::kAllScopes;
      keys->upsert(k.hash, std::move(k));
    }
    users = std::make_unique<UserMap>(qsbr);
    for (uint64_t id = 1; id <= kUsers; ++id) {
      model::User u;
      u.id = id;
      u.org_id = 1 + id % 1000;
      u.email = "user" + std::to_string(id) + "@example.com";
      u.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$c29tZWhhc2g";
      users->upsert(id, std::move(u));
    }
    qsbr.reclaim();
    for (size_t i = 0; i < kProbes; ++i) {
      hit_probes.push_back(key_hash_of(rng() % kApiKeys));
      miss_probes.push_back(key_hash_of(kApiKeys + rng()));
      user_probes.push_back(1 + rng() % kUsers);
      user_miss_probes.push_back(kUsers + 1 + rng() % (uint64_t{1} << 40));
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Each benchmark thread is a reader: online while it runs.
struct Online {
  Qsbr& q;
  int slot;
  explicit Online(Qsbr& qs) : q(qs), slot(qs.register_reader()) { q.online(slot); }
  ~Online() {
    q.offline(slot);
    q.unregister_reader(slot);
  }
};

template <class Map, class Probe>
void run_throughput(benchmark::State& state, const Map& map, const std::vector<Probe>& probes) {
  Online on(fixture().qsbr);
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  uint64_t found = 0;
  for (auto _ : state) {
    const auto* v = map.find(probes[i++ & (kProbes - 1)]);
    found += v != nullptr;
    benchmark::DoNotOptimize(v);
  }
  state.counters["hit_rate"] = benchmark::Counter(static_cast<double>(found) / static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kAvgThreads);
}

void BM_ApiKeyFindHit(benchmark::State& state) {
  Fixture& f = fixture();
  run_throughput(state, *f.keys, f.hit_probes);
}
void BM_ApiKeyFindMiss(benchmark::State& state) {
  Fixture& f = fixture();
  run_throughput(state, *f.keys, f.miss_probes);
}
void BM_UserFindHit(benchmark::State& state) {
  Fixture& f = fixture();
  run_throughput(state, *f.users, f.user_probes);
}
void BM_UserFindMiss(benchmark::State& state) {
  Fixture& f = fixture();
  run_throughput(state, *f.users, f.user_miss_probes);
}

// The next key depends on the id in the value just found, so no two
// lookups overlap: the latency of one lookup, misses included.
void BM_ApiKeyFindHitLatency(benchmark::State& state) {
  Fixture& f = fixture();
  Online on(f.qsbr);
  uint64_t id = 1, n = 0;
  for (auto _ : state) {
    // (n keeps the walk from falling into a short, cached cycle.)
    const model::ApiKey* k = f.keys->find(key_hash_of(U64Hasher{}(id + ++n) % kApiKeys));
    id = k->id;
  }
  benchmark::DoNotOptimize(id);
}

void BM_UserFindHitLatency(benchmark::State& state) {
  Fixture& f = fixture();
  Online on(f.qsbr);
  uint64_t id = 1, n = 0;
  for (auto _ : state) {
    const model::User* u = f.users->find(1 + U64Hasher{}(id + ++n) % kUsers);
    id = u->id;
  }
  benchmark::DoNotOptimize(id);
}

// Reference: one dependent load from a random line of 256 MiB (huge pages),
// the cost of one cache miss on this machine. A cold API-key hit is two
// (the slot line, then the node), a miss about one.
void BM_DramLatencyReference(benchmark::State& state) {
  constexpr size_t kBytes = size_t{256} << 20, kLines = kBytes / 64;
  static uint64_t* lines = [] {
    auto* mem = static_cast<uint64_t*>(detail::allocate_table_memory(kBytes));
    std::vector<uint64_t> order(kLines);
    for (size_t i = 0; i < kLines; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(5));
    for (size_t i = 0; i < kLines; ++i) mem[order[i] * 8] = order[(i + 1) % kLines];
    return mem;
  }();
  uint64_t x = 0;
  for (auto _ : state) x = lines[x * 8];
  benchmark::DoNotOptimize(x);
}

// The reader's share of QSBR, per reactor loop iteration: offline before
// epoll, online at the first lookup; and quiescent() with the epoch moving.
void BM_QsbrOfflineOnline(benchmark::State& state) {
  Qsbr q(4);
  const int slot = q.register_reader();
  for (auto _ : state) {
    q.offline(slot);
    q.online(slot);
  }
  q.offline(slot);
}

void BM_QsbrOnlineWhenOnline(benchmark::State& state) {
  Qsbr q(4);
  const int slot = q.register_reader();
  q.online(slot);
  for (auto _ : state) q.online(slot);
  q.offline(slot);
}

void BM_QsbrQuiescent(benchmark::State& state) {
  Qsbr q(4);
  const int slot = q.register_reader();
  q.online(slot);
  for (auto _ : state) q.quiescent(slot);
  q.offline(slot);
}

BENCHMARK(BM_ApiKeyFindHit)->Threads(1)->Threads(2);
BENCHMARK(BM_ApiKeyFindMiss)->Threads(1)->Threads(2);
BENCHMARK(BM_ApiKeyFindHitLatency);
BENCHMARK(BM_UserFindHit)->Threads(1)->Threads(2);
BENCHMARK(BM_UserFindMiss);
BENCHMARK(BM_UserFindHitLatency);
BENCHMARK(BM_DramLatencyReference);
BENCHMARK(BM_QsbrOfflineOnline);
BENCHMARK(BM_QsbrOnlineWhenOnline);
BENCHMARK(BM_QsbrQuiescent);

}  // namespace
}  // namespace claribi::index

BENCHMARK_MAIN();
