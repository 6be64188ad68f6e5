// Collection<Dashboard> (and the Catalog of them): list pages in every
// Ordering (id; name compared case-insensitively, then bytewise, ties by id;
// created_at and updated_at
// with ties by id), ascending and descending, paged with several page sizes
// over enough records to span many RankedSet blocks, checked against a
// sorted reference; offsets at and past the end and a zero limit; `search`
// (case-insensitive substring of the name) returns the number of matches and
// pages over the matches only; updates that change name or updated_at move
// the record in those orderings and replace its JSON; erase removes it from
// every ordering; render/get/contains/size. A concurrency test runs one
// writer (put/erase) against two readers of render_page and checks that
// every page they see is well-formed and consistent (bounded iterations, no
// timing assertions). Also: a Collection with its own CollectionTraits (what
// `name` ordering sorts by and what `search` matches), and a Catalog keeps
// one independent Collection per key, answering 0/false for unknown keys.
#include "index/collection.h"
#include "index/catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/resources.h"

namespace claribi::index {
namespace {

using Coll = Collection<model::Dashboard>;

model::Dashboard dash(uint64_t id, std::string name, int64_t created, int64_t updated) {
  model::Dashboard d;
  d.id = id;
  d.org_id = 1;
  d.name = std::move(name);
  d.created_at = created;
  d.updated_at = updated;
  return d;
}

// The JSON a record is stored with: its id and a version number, so a test
// can tell which write it sees.
std::string json_of(uint64_t id, int version = 0) {
  return "{\"id\":" + std::to_string(id) + ",\"v\":" + std::to_string(version) + "}";
}

struct Item {
  uint64_t id;
  int version;
};

// Parses a page: JSON objects of the json_of shape, separated by single
// commas, nothing else. nullopt when it is not exactly that.
std::optional<std::vector<Item>> parse_page(const std::string& s) {
  std::vector<Item> out;
  size_t i = 0;
  while (i < s.size()) {
    if (!out.empty()) {
      if (s[i] != ',') return std::nullopt;
      ++i;
    }
    static const std::string kPre = "{\"id\":";
    if (s.compare(i, kPre.size(), kPre) != 0) return std::nullopt;
    i += kPre.size();
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return std::nullopt;
    uint64_t id = std::stoull(s.substr(start, i - start));
    static const std::string kMid = ",\"v\":";
    if (s.compare(i, kMid.size(), kMid) != 0) return std::nullopt;
    i += kMid.size();
    start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start || i >= s.size() || s[i] != '}') return std::nullopt;
    int v = std::stoi(s.substr(start, i - start));
    ++i;
    out.push_back({id, v});
  }
  return out;
}

std::vector<uint64_t> ids_of(const std::vector<Item>& items) {
  std::vector<uint64_t> ids;
  for (const Item& it : items) ids.push_back(it.id);
  return ids;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// The reference: the expected order of records for an ordering.
std::vector<uint64_t> expected_order(const std::map<uint64_t, model::Dashboard>& recs, Ordering o, bool desc,
                                     const std::string& search = "") {
  std::vector<const model::Dashboard*> v;
  for (const auto& [id, d] : recs)
    if (search.empty() || lower(d.name).find(lower(search)) != std::string::npos) v.push_back(&d);
  auto less = [o](const model::Dashboard* a, const model::Dashboard* b) {
    switch (o) {
      case Ordering::kId: break;
      case Ordering::kName: {
        std::string la = lower(a->name), lb = lower(b->name);
        if (la != lb) return la < lb;
        if (a->name != b->name) return a->name < b->name;
        break;
      }
      case Ordering::kCreatedAt:
        if (a->created_at != b->created_at) return a->created_at < b->created_at;
        break;
      case Ordering::kUpdatedAt:
        if (a->updated_at != b->updated_at) return a->updated_at < b->updated_at;
        break;
    }
    return a->id < b->id;
  };
  std::sort(v.begin(), v.end(), less);
  if (desc) std::reverse(v.begin(), v.end());
  std::vector<uint64_t> ids;
  for (auto* d : v) ids.push_back(d->id);
  return ids;
}

// One page: (count, items).
std::pair<size_t, std::vector<uint64_t>> page(const Coll& c, size_t offset, size_t limit, Ordering o, bool desc,
                                               std::string_view search = {}) {
  PageRequest p;
  p.offset = offset;
  p.limit = limit;
  p.ordering = o;
  p.descending = desc;
  p.search = search;
  std::string items;
  size_t count = c.render_page(p, &items);
  auto parsed = parse_page(items);
  EXPECT_TRUE(parsed.has_value()) << "malformed page: " << items;
  return {count, parsed ? ids_of(*parsed) : std::vector<uint64_t>{}};
}

// Pages through everything (with `limit`) and checks count, page sizes and
// the concatenated order against the reference.
void expect_all_pages(const Coll& c, const std::map<uint64_t, model::Dashboard>& recs, Ordering o, bool desc,
                      size_t limit, const std::string& search = "") {
  std::vector<uint64_t> want = expected_order(recs, o, desc, search);
  std::vector<uint64_t> got;
  for (size_t offset = 0;; offset += limit) {
    auto [count, ids] = page(c, offset, limit, o, desc, search);
    ASSERT_EQ(count, want.size()) << "ordering " << int(o) << " desc " << desc << " offset " << offset
                                  << " search '" << search << "'";
    ASSERT_EQ(ids.size(), std::min(limit, want.size() > offset ? want.size() - offset : 0))
        << "ordering " << int(o) << " desc " << desc << " offset " << offset;
    got.insert(got.end(), ids.begin(), ids.end());
    if (offset >= want.size()) break;
  }
  EXPECT_EQ(got, want) << "ordering " << int(o) << " desc " << desc << " limit " << limit << " search '" << search
                       << "'";
}

constexpr Ordering kOrderings[] = {Ordering::kId, Ordering::kName, Ordering::kCreatedAt, Ordering::kUpdatedAt};

// Names with case-only differences, shared prefixes and exact duplicates.
const char* const kNames[] = {"Sales",    "sales",     "SALES Q1", "Marketing", "marketing funnel", "Ops",
                              "ops",      "Wholesale", "alpha",    "Alpha",     "beta",             "Beta 2",
                              "zeta",     "Zeta",      "",         "a",         "Résumé",           "résumé"};

TEST(IndexCollection, EmptyCollection) {
  Coll c;
  EXPECT_EQ(c.size(), 0u);
  for (Ordering o : kOrderings)
    for (bool desc : {false, true}) {
      auto [count, ids] = page(c, 0, 20, o, desc);
      EXPECT_EQ(count, 0u);
      EXPECT_TRUE(ids.empty());
      auto [scount, sids] = page(c, 0, 20, o, desc, "x");
      EXPECT_EQ(scount, 0u);
      EXPECT_TRUE(sids.empty());
    }
  std::string out = "keep";
  EXPECT_FALSE(c.render(1, &out));
  EXPECT_EQ(out, "keep");
  model::Dashboard d;
  EXPECT_FALSE(c.get(1, &d));
  EXPECT_FALSE(c.contains(1));
  c.erase(1);  // no-op
  EXPECT_EQ(c.size(), 0u);
}

TEST(IndexCollection, NameOrderingIsCaseInsensitiveThenBytewiseThenId) {
  Coll c;
  std::map<uint64_t, model::Dashboard> recs;
  // Inserted out of order; "charlie" and "Beta" differ in case from their
  // neighbours, the two "same" are exact duplicates (tie by id).
  const std::pair<uint64_t, const char*> rows[] = {{5, "charlie"}, {1, "same"}, {4, "Beta"},
                                                   {2, "alpha"},   {3, "same"}, {6, "Alpha"}};
  for (auto [id, name] : rows) {
    recs[id] = dash(id, name, 100, 100);
    c.put(recs[id], json_of(id));
  }
  // "Alpha" < "alpha" (equal ignoring case, then bytewise) < "Beta" < "charlie" < "same"#1 < "same"#3.
  EXPECT_EQ(page(c, 0, 100, Ordering::kName, false).second, (std::vector<uint64_t>{6, 2, 4, 5, 1, 3}));
  EXPECT_EQ(page(c, 0, 100, Ordering::kName, true).second, (std::vector<uint64_t>{3, 1, 5, 4, 2, 6}));
  expect_all_pages(c, recs, Ordering::kName, false, 4);
}

TEST(IndexCollection, TimeOrderingsBreakTiesById) {
  Coll c;
  c.put(dash(3, "c", 10, 50), json_of(3));
  c.put(dash(1, "a", 20, 50), json_of(1));
  c.put(dash(2, "b", 10, 40), json_of(2));
  c.put(dash(4, "d", 5, 60), json_of(4));
  EXPECT_EQ(page(c, 0, 10, Ordering::kCreatedAt, false).second, (std::vector<uint64_t>{4, 2, 3, 1}));
  EXPECT_EQ(page(c, 0, 10, Ordering::kCreatedAt, true).second, (std::vector<uint64_t>{1, 3, 2, 4}));
  EXPECT_EQ(page(c, 0, 10, Ordering::kUpdatedAt, false).second, (std::vector<uint64_t>{2, 1, 3, 4}));
  EXPECT_EQ(page(c, 0, 10, Ordering::kUpdatedAt, true).second, (std::vector<uint64_t>{4, 3, 1, 2}));
  EXPECT_EQ(page(c, 0, 10, Ordering::kId, false).second, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(page(c, 0, 10, Ordering::kId, true).second, (std::vector<uint64_t>{4, 3, 2, 1}));
}

class IndexCollectionLarge : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(99);
    // Ids not inserted in order, with gaps.
    std::vector<uint64_t> ids;
    for (uint64_t i = 1; i <= kN; ++i) ids.push_back(i * 3 + (i % 7));
    std::shuffle(ids.begin(), ids.end(), rng);
    for (uint64_t id : ids) {
      std::string name = kNames[rng() % std::size(kNames)];
      if (rng() % 3 == 0) name += " " + std::to_string(rng() % 50);
      recs[id] = dash(id, name, int64_t(rng() % 100), int64_t(1000 + rng() % 100));  // many ties
      c.put(recs[id], json_of(id));
    }
  }
  static constexpr uint64_t kN = 1300;  // several RankedSet blocks
  Coll c;
  std::map<uint64_t, model::Dashboard> recs;
};

TEST_F(IndexCollectionLarge, EveryOrderingBothDirectionsAllPages) {
  ASSERT_EQ(c.size(), kN);
  for (Ordering o : kOrderings)
    for (bool desc : {false, true})
      for (size_t limit : {size_t(1), size_t(20), size_t(97), size_t(100), size_t(2000)})
        expect_all_pages(c, recs, o, desc, limit);
}

TEST_F(IndexCollectionLarge, OffsetsAtAndPastTheEndAndZeroLimit) {
  for (Ordering o : kOrderings)
    for (bool desc : {false, true}) {
      auto want = expected_order(recs, o, desc);
      auto [count, ids] = page(c, kN - 1, 20, o, desc);
      EXPECT_EQ(count, kN);
      EXPECT_EQ(ids, (std::vector<uint64_t>{want.back()}));
      for (size_t offset : {size_t(kN), size_t(kN + 1), size_t(kN * 10), size_t(1) << 40}) {
        auto [c2, ids2] = page(c, offset, 20, o, desc);
        EXPECT_EQ(c2, kN) << offset;
        EXPECT_TRUE(ids2.empty()) << offset;
      }
      auto [c3, ids3] = page(c, 5, 0, o, desc);
      EXPECT_EQ(c3, kN);
      EXPECT_TRUE(ids3.empty());
      // A page in the middle.
      auto [c4, ids4] = page(c, 640, 20, o, desc);
      EXPECT_EQ(c4, kN);
      EXPECT_EQ(ids4, std::vector<uint64_t>(want.begin() + 640, want.begin() + 660));
    }
}

TEST_F(IndexCollectionLarge, RenderPageAppendsToItems) {
  PageRequest p;
  p.limit = 2;
  std::string items = "[";
  EXPECT_EQ(c.render_page(p, &items), kN);
  auto want = expected_order(recs, Ordering::kId, false);
  EXPECT_EQ(items, "[" + json_of(want[0]) + "," + json_of(want[1]));
}

TEST_F(IndexCollectionLarge, SearchCountsAndPagesOverMatches) {
  for (std::string search : {"sale", "SALE", "Sales", "market", "ALPHA", "a", "q1", " 1", "résumé", "zzz"}) {
    auto want = expected_order(recs, Ordering::kId, false, search);
    if (search != "zzz") {
      ASSERT_FALSE(want.empty()) << search;
    }
    for (Ordering o : kOrderings)
      for (bool desc : {false, true})
        for (size_t limit : {size_t(1), size_t(7), size_t(100)}) {
          if (limit == 1 && want.size() > 200) continue;  // enough pages checked at 7
          expect_all_pages(c, recs, o, desc, limit, search);
        }
    // Past the end of the matches: the count, no items.
    auto [count, ids] = page(c, want.size(), 20, Ordering::kName, false, search);
    EXPECT_EQ(count, want.size());
    EXPECT_TRUE(ids.empty());
    auto [zc, zids] = page(c, 0, 0, Ordering::kId, true, search);
    EXPECT_EQ(zc, want.size());
    EXPECT_TRUE(zids.empty());
  }
}

TEST(IndexCollection, SearchIsCaseInsensitiveSubstring) {
  Coll c;
  c.put(dash(1, "Quarterly Sales", 1, 1), json_of(1));
  c.put(dash(2, "WHOLESALE prices", 2, 2), json_of(2));
  c.put(dash(3, "Marketing", 3, 3), json_of(3));
  c.put(dash(4, "sAlEs", 4, 4), json_of(4));
  auto [count, ids] = page(c, 0, 20, Ordering::kId, false, "sale");
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(ids, (std::vector<uint64_t>{1, 2, 4}));
  auto [c2, ids2] = page(c, 1, 1, Ordering::kId, true, "SALE");
  EXPECT_EQ(c2, 3u);
  EXPECT_EQ(ids2, (std::vector<uint64_t>{2}));
  auto [c3, ids3] = page(c, 0, 20, Ordering::kName, false, "ing");
  EXPECT_EQ(c3, 1u);
  EXPECT_EQ(ids3, (std::vector<uint64_t>{3}));
  auto [c4, ids4] = page(c, 0, 20, Ordering::kId, false, "sales prices");
  EXPECT_EQ(c4, 0u);
  EXPECT_TRUE(ids4.empty());
}

TEST_F(IndexCollectionLarge, UpdatesReorderAndReplaceJson) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> all;
  for (auto& [id, d] : recs) all.push_back(id);
  for (int round = 0; round < 300; ++round) {
    uint64_t id = all[rng() % all.size()];
    model::Dashboard d = recs[id];
    switch (round % 3) {
      case 0: d.name = kNames[rng() % std::size(kNames)]; break;
      case 1: d.updated_at = int64_t(rng() % 2000); break;
      case 2:
        d.name = "renamed " + std::to_string(round);
        d.updated_at = 5000 + round;
        break;
    }
    recs[id] = d;
    c.put(d, json_of(id, round + 1));
    ASSERT_EQ(c.size(), kN);
    std::string one;
    ASSERT_TRUE(c.render(id, &one));
    EXPECT_EQ(one, json_of(id, round + 1));
    model::Dashboard got;
    ASSERT_TRUE(c.get(id, &got));
    EXPECT_EQ(got.name, d.name);
    EXPECT_EQ(got.updated_at, d.updated_at);
  }
  for (Ordering o : kOrderings)
    for (bool desc : {false, true}) expect_all_pages(c, recs, o, desc, 100);
  expect_all_pages(c, recs, Ordering::kName, false, 20, "renamed");
  // The latest update is the first by updated_at descending.
  auto [count, ids] = page(c, 0, 1, Ordering::kUpdatedAt, true);
  EXPECT_EQ(count, kN);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(recs[ids[0]].updated_at, 5000 + 299);
}

TEST_F(IndexCollectionLarge, EraseRemovesFromEveryOrdering) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> all;
  for (auto& [id, d] : recs) all.push_back(id);
  std::shuffle(all.begin(), all.end(), rng);
  size_t erased = 0;
  for (uint64_t id : all) {
    if (erased == kN - 10) break;
    c.erase(id);
    recs.erase(id);
    ++erased;
    EXPECT_FALSE(c.contains(id));
    std::string out;
    EXPECT_FALSE(c.render(id, &out));
    EXPECT_TRUE(out.empty());
    if (erased % 200 == 0)
      for (Ordering o : kOrderings)
        for (bool desc : {false, true}) expect_all_pages(c, recs, o, desc, 50);
  }
  c.erase(all[0]);  // already gone: no-op
  c.erase(999999);
  EXPECT_EQ(c.size(), 10u);
  for (Ordering o : kOrderings)
    for (bool desc : {false, true}) {
      expect_all_pages(c, recs, o, desc, 3);
      expect_all_pages(c, recs, o, desc, 3, "a");
    }
  for (auto& [id, d] : recs) EXPECT_TRUE(c.contains(id));
}

// One writer puts and erases while two readers list pages. Every page a
// reader sees must be one consistent state: well-formed, at most `limit`
// items, distinct ids from the writer's range in the requested order (for
// ordering by id), and a count no larger than the ids the writer uses.
TEST(IndexCollection, ConcurrentWriterAndReaders) {
  constexpr uint64_t kIds = 700;
  constexpr int kWrites = 30000;
  constexpr int kReads = 4000;
  Coll c;
  for (uint64_t id = 1; id <= kIds; id += 2) c.put(dash(id, "seed " + std::to_string(id), 0, 0), json_of(id));

  std::atomic<int> bad{0};
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    std::mt19937_64 rng(1);
    for (int i = 0; i < kWrites; ++i) {
      uint64_t id = 1 + rng() % kIds;
      if (rng() % 3 == 0) {
        c.erase(id);
      } else {
        std::string name = kNames[rng() % std::size(kNames)];
        c.put(dash(id, name, int64_t(rng() % 50), i), json_of(id, i));
      }
    }
    writer_done = true;
  });
  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < kReads; ++i) {
      PageRequest p;
      p.ordering = kOrderings[rng() % 4];
      p.descending = rng() % 2 == 0;
      p.limit = 1 + rng() % 100;
      p.offset = rng() % (kIds + 50);
      std::string search = (rng() % 4 == 0) ? "s" : "";
      p.search = search;
      std::string items;
      size_t count = c.render_page(p, &items);
      auto parsed = parse_page(items);
      bool ok = parsed.has_value() && count <= kIds && parsed->size() <= p.limit &&
                parsed->size() <= (count > p.offset ? count - p.offset : 0);
      if (ok) {
        std::set<uint64_t> seen;
        for (size_t k = 0; k < parsed->size(); ++k) {
          uint64_t id = (*parsed)[k].id;
          if (id < 1 || id > kIds || !seen.insert(id).second) ok = false;
          if (k > 0 && p.ordering == Ordering::kId) {
            uint64_t prev = (*parsed)[k - 1].id;
            if (p.descending ? prev <= id : prev >= id) ok = false;
          }
        }
        // A full page unless the list ends within it.
        if (count > p.offset && parsed->size() != std::min(p.limit, count - p.offset)) ok = false;
      }
      if (!ok) {
        if (bad.fetch_add(1) < 5)
          ADD_FAILURE() << "bad page: count " << count << " offset " << p.offset << " limit " << p.limit
                        << " items " << items;
      }
      std::string one;
      uint64_t id = 1 + rng() % kIds;
      if (c.render(id, &one)) {
        auto single = parse_page(one);
        if (!single || single->size() != 1 || (*single)[0].id != id) bad.fetch_add(1);
      }
    }
  };
  std::thread r1(reader, 11), r2(reader, 22);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_TRUE(writer_done);
  EXPECT_EQ(bad.load(), 0);
  // After the storm, the structure still agrees with itself.
  std::map<uint64_t, model::Dashboard> recs;
  for (uint64_t id = 1; id <= kIds; ++id) {
    model::Dashboard d;
    if (c.get(id, &d)) recs[id] = d;
  }
  EXPECT_EQ(c.size(), recs.size());
  for (Ordering o : kOrderings)
    for (bool desc : {false, true}) expect_all_pages(c, recs, o, desc, 64);
}

// A record kind whose list sorts and searches by other fields (the way users
// sort by email and search email, first and last name).
struct Person {
  uint64_t id = 0;
  std::string name;  // ignored by PersonTraits
  std::string email;
  std::string last_name;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};
struct PersonTraits {
  static std::string_view sort_text(const Person& p) { return p.email; }
  static bool matches(const Person& p, std::string_view s) {
    return contains_icase(p.email, s) || contains_icase(p.last_name, s);
  }
};

TEST(IndexCollection, TraitsChooseSortTextAndSearch) {
  Collection<Person, PersonTraits> c;
  auto person = [](uint64_t id, std::string name, std::string email, std::string last) {
    Person p;
    p.id = id;
    p.name = std::move(name);
    p.email = std::move(email);
    p.last_name = std::move(last);
    return p;
  };
  c.put(person(1, "zz", "carol@example.com", "Smith"), json_of(1));
  c.put(person(2, "aa", "Alice@example.com", "Jones"), json_of(2));
  c.put(person(3, "mm", "bob@example.com", "Blacksmith"), json_of(3));
  PageRequest p;
  p.ordering = Ordering::kName;
  std::string items;
  EXPECT_EQ(c.render_page(p, &items), 3u);
  EXPECT_EQ(items, json_of(2) + "," + json_of(3) + "," + json_of(1));  // by email, case-insensitive
  items.clear();
  p.search = "SMITH";  // last names, not `name`
  EXPECT_EQ(c.render_page(p, &items), 2u);
  EXPECT_EQ(items, json_of(3) + "," + json_of(1));
  items.clear();
  p.search = "zz";  // `name` is not searched
  EXPECT_EQ(c.render_page(p, &items), 0u);
  EXPECT_EQ(items, "");
}

TEST(IndexCatalog, OneCollectionPerKey) {
  Catalog<model::Dashboard> cat;
  PageRequest p;
  std::string items = "x";
  EXPECT_EQ(cat.count(1), 0u);
  EXPECT_EQ(cat.render_page(1, p, &items), 0u);
  EXPECT_EQ(items, "x");
  EXPECT_FALSE(cat.render(1, 5, &items));
  EXPECT_FALSE(cat.contains(1, 5));
  model::Dashboard d;
  EXPECT_FALSE(cat.get(1, 5, &d));
  cat.erase(1, 5);  // unknown key: no-op
  EXPECT_EQ(cat.count(1), 0u);

  cat.put(1, dash(5, "five", 1, 1), json_of(5));
  cat.put(1, dash(6, "six", 2, 2), json_of(6));
  cat.put(2, dash(5, "other org's five", 3, 3), json_of(5, 2));  // same id, another key
  EXPECT_EQ(cat.count(1), 2u);
  EXPECT_EQ(cat.count(2), 1u);
  EXPECT_EQ(cat.count(3), 0u);
  std::string one;
  ASSERT_TRUE(cat.render(2, 5, &one));
  EXPECT_EQ(one, json_of(5, 2));
  ASSERT_TRUE(cat.get(1, 5, &d));
  EXPECT_EQ(d.name, "five");
  EXPECT_FALSE(cat.contains(2, 6));
  items.clear();
  EXPECT_EQ(cat.render_page(1, p, &items), 2u);
  EXPECT_EQ(items, json_of(5) + "," + json_of(6));

  cat.erase(1, 5);
  EXPECT_FALSE(cat.contains(1, 5));
  EXPECT_TRUE(cat.contains(2, 5));
  EXPECT_EQ(cat.count(1), 1u);
  cat.erase(1, 6);
  EXPECT_EQ(cat.count(1), 0u);
  items.clear();
  EXPECT_EQ(cat.render_page(1, p, &items), 0u);
  EXPECT_EQ(items, "");
}

}  // namespace
}  // namespace claribi::index
