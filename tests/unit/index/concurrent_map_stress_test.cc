// ConcurrentMap under concurrency: two reader threads look keys up without
// locks while the writer inserts, updates and erases 200,000 times (growing,
// purging and shrinking the table) and reclaims as it goes. Readers must only
// ever see complete values of the key they asked for, never an older version
// than one they already saw; at the end every retired object is freed.
// Run it under ASan and TSan too (results in bench/micro/index/RESULTS.md).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "index/concurrent_map.h"
#include "index/hashers.h"

namespace claribi::index {
namespace {

constexpr uint64_t kKeys = 20'000;
constexpr uint64_t kPoison = 0xdeadbeefdeadbeefULL;

uint64_t check_of(uint64_t key, uint64_t version) { return U64Hasher{}(key * 0x9e3779b97f4a7c15ULL ^ version); }

// Immutable once built; counts live instances; poisons itself when destroyed
// so that a premature free shows up as an inconsistent value even without a
// sanitizer.
struct Versioned {
  static inline std::atomic<int64_t> live{0};
  static inline std::atomic<int64_t> destroyed{0};
  uint64_t key;
  uint64_t version;
  uint64_t pad[4];
  uint64_t check;
  Versioned(uint64_t k, uint64_t v) : key(k), version(v), pad{k, v, k, v}, check(check_of(k, v)) { ++live; }
  Versioned(const Versioned& o) : key(o.key), version(o.version), pad{o.pad[0], o.pad[1], o.pad[2], o.pad[3]}, check(o.check) {
    ++live;
  }
  Versioned& operator=(const Versioned&) = delete;
  ~Versioned() {
    *static_cast<volatile uint64_t*>(&check) = kPoison;
    *static_cast<volatile uint64_t*>(&key) = kPoison;
    --live;
    ++destroyed;
  }
  bool consistent(uint64_t k) const {
    return key == k && check == check_of(key, version) && pad[0] == k && pad[1] == version && pad[2] == k &&
           pad[3] == version;
  }
};

using Map = ConcurrentMap<uint64_t, Versioned, U64Hasher>;

struct ReaderStats {
  uint64_t lookups = 0;
  uint64_t hits = 0;
  uint64_t inconsistent = 0;
  uint64_t went_back = 0;
};

void reader_loop(Qsbr& q, const Map& m, const std::atomic<bool>& stop, std::atomic<int>& started, ReaderStats& out,
                 uint64_t seed) {
  const int slot = q.register_reader();
  ASSERT_GE(slot, 0);
  std::vector<uint64_t> last_seen(kKeys, 0);
  std::mt19937_64 rng(seed);
  ReaderStats st;
  q.online(slot);
  started.fetch_add(1);
  // Pointers found in this batch: all must stay intact until quiescent().
  std::vector<std::pair<uint64_t, const Versioned*>> held;
  held.reserve(256);
  for (uint64_t batch = 0; !stop.load(std::memory_order_relaxed); ++batch) {
    held.clear();
    for (int i = 0; i < 256; ++i) {
      const uint64_t k = rng() % kKeys;
      const Versioned* v = m.find(k);
      ++st.lookups;
      if (v == nullptr) continue;
      ++st.hits;
      if (!v->consistent(k)) ++st.inconsistent;
      if (v->version < last_seen[k]) ++st.went_back;
      last_seen[k] = v->version;
      held.emplace_back(k, v);
    }
    for (const auto& [k, v] : held) {
      if (!v->consistent(k)) ++st.inconsistent;  // freed too early?
    }
    q.quiescent(slot);
    if (batch % 64 == 63) {  // like a reactor going idle and waking up
      q.offline(slot);
      std::this_thread::yield();
      q.online(slot);
    }
  }
  q.offline(slot);
  q.unregister_reader(slot);
  out = st;
}

TEST(ConcurrentMapStress, ReadersSeeConsistentValuesAndEverythingRetiredIsFreed) {
  Versioned::live = 0;
  Versioned::destroyed = 0;
  Qsbr q(4);
  std::vector<uint64_t> model(kKeys, 0);  // 0 = absent, else the live version
  uint64_t inserts = 0, updates = 0, erases = 0, resizes = 0, freed_while_reading = 0;
  size_t max_pending = 0;
  {
    Map m(q);
    std::atomic<bool> stop{false};
    std::atomic<int> started{0};
    ReaderStats s1, s2;
    std::thread r1(reader_loop, std::ref(q), std::cref(m), std::cref(stop), std::ref(started), std::ref(s1), 1);
    std::thread r2(reader_loop, std::ref(q), std::cref(m), std::cref(stop), std::ref(started), std::ref(s2), 2);
    while (started.load() < 2) std::this_thread::yield();

    std::mt19937_64 rng(99);
    uint64_t version = 0;
    size_t cap = m.capacity();
    for (int op = 0; op < 200'000; ++op) {
      const uint64_t k = rng() % kKeys;
      if (op % 50'000 == 49'999) {
        // Mass deletion: tombstones everywhere, then a purge that shrinks.
        for (uint64_t j = 0; j < kKeys; ++j) {
          if (model[j] != 0 && j % 10 != 0) {
            ASSERT_TRUE(m.erase(j));
            model[j] = 0;
            ++erases;
          }
        }
        m.rebuild();
      } else if (rng() % 4 == 0) {
        ASSERT_EQ(m.erase(k), model[k] != 0);
        erases += model[k] != 0;
        model[k] = 0;
      } else {
        ++version;
        ASSERT_EQ(m.upsert(k, Versioned(k, version)), model[k] == 0);
        (model[k] == 0 ? inserts : updates) += 1;
        model[k] = version;
      }
      if (m.capacity() != cap) {
        ++resizes;
        cap = m.capacity();
      }
      if (op % 128 == 0) {
        max_pending = std::max(max_pending, q.pending());
        freed_while_reading += q.reclaim();
      }
    }
    stop = true;
    r1.join();
    r2.join();

    // All readers offline: one reclaim frees everything.
    q.reclaim();
    EXPECT_EQ(q.pending(), 0u);

    for (const ReaderStats* s : {&s1, &s2}) {
      EXPECT_GT(s->lookups, 0u);
      EXPECT_GT(s->hits, 0u);
      EXPECT_EQ(s->inconsistent, 0u);
      EXPECT_EQ(s->went_back, 0u);
    }
    EXPECT_GT(freed_while_reading, 0u) << "reclamation made no progress while readers ran";
    EXPECT_GE(resizes, 5u);

    size_t live = 0;
    for (uint64_t j = 0; j < kKeys; ++j) {
      const Versioned* v = m.find(j);
      if (model[j] == 0) {
        EXPECT_EQ(v, nullptr) << j;
      } else {
        ++live;
        ASSERT_NE(v, nullptr) << j;
        EXPECT_EQ(v->version, model[j]);
        EXPECT_TRUE(v->consistent(j));
      }
    }
    EXPECT_EQ(m.size(), live);
    EXPECT_EQ(Versioned::live.load(), static_cast<int64_t>(live));
    std::printf("ops: %lu inserts, %lu updates, %lu erases, %lu resizes; readers: %lu + %lu lookups; "
                "max pending %zu, freed while reading %lu\n",
                static_cast<unsigned long>(inserts), static_cast<unsigned long>(updates),
                static_cast<unsigned long>(erases), static_cast<unsigned long>(resizes),
                static_cast<unsigned long>(s1.lookups), static_cast<unsigned long>(s2.lookups), max_pending,
                static_cast<unsigned long>(freed_while_reading));
  }
  // The map's own nodes went with it; the temporaries and every node that
  // was replaced or erased were freed exactly once.
  EXPECT_EQ(Versioned::live.load(), 0);
  EXPECT_EQ(q.pending(), 0u);
}

}  // namespace
}  // namespace claribi::index
