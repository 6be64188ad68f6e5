#include "analytics/executor.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>

#include "analytics/group_table.h"
#include "analytics/time_bucket.h"

namespace claribi::analytics {

namespace {

using storage::ColumnChunk;
constexpr uint32_t kNoGroup = UINT32_MAX;
constexpr uint32_t kNoCode = UINT32_MAX;
constexpr size_t kDenseLimit = size_t(1) << 16;  // chunk-local composite key space of the dense path
constexpr int64_t kDenseIntSpan = 4096;          // integer keys spanning at most this many values go dense
constexpr uint32_t kUnitsGroupLimit = 1 << 16;    // float sums add decimal units while the groups are this few
constexpr unsigned kPackedCountBits = 24;         // offsets this narrow share their word with the row count
constexpr unsigned kCountShift = 40;
static_assert(kPackedCountBits + 16 <= kCountShift, "a chunk's offsets must sum below the count's bits");

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

inline bool null_at(const uint64_t* bits, uint32_t i) { return (bits[i >> 6] >> (i & 63)) & 1; }

uint64_t float_word(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0: one group, one distinct value
  return std::bit_cast<uint64_t>(v);
}

// Neumaier's compensated summation step.
inline void neumaier(double& sum, double& comp, double x) {
  double t = sum + x;
  comp += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
  sum = t;
}

// f(j, i) for the j-th selected row, i its index in the batch.
template <class F>
inline void each_selected(const uint16_t* sel, uint32_t m, bool all, F&& f) {
  if (all) {
    for (uint32_t j = 0; j < m; ++j) f(j, j);
  } else {
    for (uint32_t j = 0; j < m; ++j) f(j, uint32_t(sel[j]));
  }
}

bool fixed_width(Granularity g, int64_t* width) {
  constexpr int64_t kMinute = 60'000'000;
  switch (g) {
    case Granularity::kMinute: *width = kMinute; return true;
    case Granularity::kHour: *width = 60 * kMinute; return true;
    case Granularity::kDay: *width = 24 * 60 * kMinute; return true;
    case Granularity::kWeek: *width = 7 * 24 * 60 * kMinute; return true;
    default: return false;
  }
}

// A chunk's zone map of column c (all null when the chunk has no blob).
storage::ZoneMap zone_of(const rows::Chunk& chunk, uint32_t c, ColumnType type) {
  if (chunk.present(c)) return chunk.meta().columns[c].zone;
  storage::ZoneMap z;
  z.type = type;
  z.rows = chunk.rows();
  z.null_count = chunk.rows();
  return z;
}

// A float range over a chunk of units (has_units): the units k whose
// doubles pass, as [*klo, *khi] — the conversion is monotone in k, so binary
// searches over the chunk's frame find both ends. False when no k passes.
bool units_range(const Predicate& p, const ColumnChunk& c, int64_t* klo, int64_t* khi) {
  const int128_t kmin = int64_t(c.frame_min());
  const int128_t span = int128_t(c.frame_gcd()) * ((int128_t(1) << c.bit_width()) - 1);
  const int128_t kmax = std::min<int128_t>(kmin + span, std::numeric_limits<int64_t>::max());
  auto lower = [&](int128_t k) {
    double v = c.units_to_double(int64_t(k));
    return p.flo_open ? v > p.flo : v >= p.flo;
  };
  auto upper = [&](int128_t k) {
    double v = c.units_to_double(int64_t(k));
    return p.fhi_open ? v < p.fhi : v <= p.fhi;
  };
  if (!lower(kmax) || !upper(kmin)) return false;
  int128_t a = kmin, b = kmax;  // the first k with lower(k)
  while (a < b) {
    int128_t mid = a + (b - a) / 2;
    if (lower(mid)) b = mid; else a = mid + 1;
  }
  const int128_t first = a;
  a = kmin, b = kmax;  // the last k with upper(k)
  while (a < b) {
    int128_t mid = a + (b - a + 1) / 2;
    if (upper(mid)) a = mid; else b = mid - 1;
  }
  if (first > a) return false;
  *klo = int64_t(first);
  *khi = int64_t(a);
  return true;
}

// count_distinct of an integer column: the values' range over the snapshot
// (zone maps), so that a group's set can become a bitmap (U64Set).
struct SetDomain {
  uint64_t base = 0, span = 0;  // span 0: none
};
constexpr uint64_t kMaxSetDomain = uint64_t(1) << 32;

std::vector<SetDomain> set_domains(const Plan& plan, std::span<const std::shared_ptr<const rows::Chunk>> chunks) {
  std::vector<SetDomain> out(plan.metrics.size());
  for (size_t m = 0; m < plan.metrics.size(); ++m) {
    const MetricPlan& mp = plan.metrics[m];
    if (mp.op != MetricOp::kCountDistinct || mp.column < 0) continue;
    if (mp.in != ColumnType::kInteger && mp.in != ColumnType::kTimestamp) continue;
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    bool ok = true;
    for (const auto& chunk : chunks) {
      storage::ZoneMap z = zone_of(*chunk, uint32_t(mp.column), mp.in);
      if (!z.has_values()) continue;
      if (z.type != mp.in) {
        ok = false;
        break;
      }
      lo = std::min(lo, z.min_int);
      hi = std::max(hi, z.max_int);
    }
    if (!ok || lo > hi || uint64_t(hi) - uint64_t(lo) >= kMaxSetDomain) continue;
    out[m] = SetDomain{uint64_t(lo), uint64_t(hi) - uint64_t(lo) + 1};
  }
  return out;
}

// Per metric, per group: one worker's aggregate state.
struct Acc {
  std::vector<int64_t> count;  // rows (bare count), or non-null values seen
  std::vector<int128_t> isum;
  std::vector<double> fsum, fcomp;
  std::vector<int128_t> units;        // this chunk, float sums of a chunk with units: sum of k per group
  int units_exponent = -1;            // this chunk: -1 when the per-row (compensated) path is used
  // This chunk, sums over a frame-of-reference chunk (integers, decimal
  // units) of at most 47 bits: per group the sum of the packed offsets and
  // their count; the frame (min + gcd * offset) is applied once per group at
  // the chunk's end, so the per-row work is two 64-bit additions.
  std::vector<uint64_t> osum;
  std::vector<uint32_t> ocount;
  bool offsets = false;
  // Offsets of at most 24 bits: the count rides in bits 40.. of osum (a
  // chunk's offsets sum below 2^40), one addition per row.
  bool packed_count = false;
  uint64_t omin = 0, ogcd = 1;
  std::vector<int64_t> ibest;
  std::vector<double> fbest;
  std::vector<std::string> sbest;
  std::vector<U64Set> sets;
  size_t set_bytes = 0;
  StringPool distinct_pool;           // count_distinct of strings: values as pool ids
  std::vector<uint64_t> code_word;    // this chunk: dictionary code -> distinct_pool id
  std::vector<uint32_t> best_code;    // this chunk, min/max of strings: best code per group
  std::vector<uint32_t> touched;      // groups with a best code this chunk
};

// How one key column maps this chunk's rows to codes (dense) or words (hash).
struct KeyChunk {
  const ColumnChunk* col = nullptr;  // nullptr: every row null in this chunk
  uint32_t domain = 1;               // dense: codes 0..domain-1, the last = null
  int64_t base = 0;                  // dense ints and fixed buckets: code = (v - base) / step
  int64_t step = 1;
  bool dense_ok = false;
  std::vector<uint64_t> code_word;   // strings: dictionary code -> key pool id
  // The previous chunk's column and code_word (this worker's): chunks of one
  // upload mostly share their dictionaries, so an entry equal to the
  // previous chunk's at the same code takes its pool id without hashing.
  const ColumnChunk* prev_col = nullptr;
  std::vector<uint64_t> prev_word;
};

class Worker {
 public:
  Worker(const Plan& plan, const std::vector<int>& slot_of, size_t slots, const std::vector<SetDomain>& domains)
      : plan_(plan),
        domains_(domains),
        k_(plan.keys.size()),
        groups_(plan.keys.size()),
        key_pools_(plan.keys.size()),
        accs_(plan.metrics.size()),
        slot_of_(slot_of),
        cols_(slots, nullptr),
        keys_(plan.keys.size()),
        words_(plan.keys.size() + 1, 0),
        last_words_(plan.keys.size() + 1, 0),
        kw_(plan.keys.size() * kBatchRows),
        accept_(plan.predicates.size()) {
    if (k_ == 0) group_for_words(words_.data());  // the one row of an ungrouped query
    counts_only_ = std::all_of(plan.metrics.begin(), plan.metrics.end(),
                               [](const MetricPlan& m) { return m.op == MetricOp::kCount && m.column < 0; });
  }

  // Scans one chunk; false with *st set when a column cannot be read.
  bool scan(const rows::Chunk& chunk, Status* st, ScanStats* stats);
  size_t memory() const {
    size_t b = groups_.bytes();
    for (const auto& p : key_pools_) b += p.bytes();
    for (const Acc& a : accs_)
      b += (a.count.capacity() + a.ibest.capacity() + a.fsum.capacity() + a.fcomp.capacity() + a.fbest.capacity()) * 8 +
           (a.isum.capacity() + a.units.capacity()) * 16 + a.osum.capacity() * 8 + a.ocount.capacity() * 4 +
           a.sbest.capacity() * sizeof(std::string) + string_bytes_ +
           a.sets.capacity() * sizeof(U64Set) + a.set_bytes + a.distinct_pool.bytes();
    return b;
  }
  void merge_from(const Worker& o);
  QueryResult finish() const;
  size_t groups() const { return groups_.size(); }

 private:
  uint32_t group_for_words(const uint64_t* words) {
    bool added = false;
    uint32_t g = groups_.find_or_add(words, &added);
    if (added) add_group_state();
    return g;
  }
  void add_group_state();
  bool prepare(const rows::Chunk& chunk, Status* st);
  uint32_t filter(uint32_t begin, uint32_t n, bool* all);
  void compute_groups(uint32_t begin, uint32_t n, uint32_t m, bool all);
  uint32_t materialize_dense(uint32_t composite);
  void update_metrics(uint32_t begin, uint32_t n, uint32_t m, bool all);
  void finish_chunk();
  const ColumnChunk* col(uint32_t column) const { return cols_[size_t(slot_of_[column])]; }

  const Plan& plan_;
  const std::vector<SetDomain>& domains_;  // per metric
  const size_t k_;
  GroupTable groups_;
  std::vector<StringPool> key_pools_;
  std::vector<Acc> accs_;
  const std::vector<int>& slot_of_;
  std::vector<const ColumnChunk*> cols_;  // this chunk's columns, by slot
  std::vector<KeyChunk> keys_;
  std::vector<const Predicate*> active_;  // this chunk's predicates that must be evaluated
  std::vector<size_t> active_index_;      // their index in plan_.predicates (for accept_)
  // Per active predicate, this chunk: a float range over a chunk of units is
  // tested on the integers (the range of k, or no row at all).
  enum class UnitTest : uint8_t { kNo, kRange, kNone };
  std::vector<UnitTest> unit_test_;
  std::vector<std::pair<int64_t, int64_t>> unit_range_;
  bool dense_ = false;
  bool counts_only_ = false;              // every metric is a bare count
  std::vector<uint32_t> dense_map_;       // composite chunk-local key -> group
  std::vector<uint32_t> prev_map_;        // one string key: the previous chunk's dense_map_
  std::vector<uint64_t> words_, last_words_;
  uint32_t last_group_ = kNoGroup;
  std::vector<uint64_t> kw_;              // hash path: key words, kBatchRows per key
  uint64_t kmask_[kBatchRows];            // hash path: null mask per row
  std::vector<std::vector<uint8_t>> accept_;  // string predicates: per dictionary code
  size_t string_bytes_ = 0;
  const rows::Chunk* chunk_ = nullptr;

  // Batch buffers. Each is padded by one cache line so that two read and
  // written in the same loop are never a multiple of 4 KiB apart (the CPU
  // would take the load of one for a store to the other: 4K aliasing).
  static constexpr uint32_t kPad = 64;
  int64_t ibuf_[kBatchRows + kPad / 8];
  double fbuf_[kBatchRows + kPad / 8];
  uint32_t cbuf_[kBatchRows + kPad / 4];
  uint64_t nbits_[kBatchRows / 64 + kPad / 8];
  uint8_t keep_[kBatchRows + kPad];
  uint16_t sel_[kBatchRows + kPad / 2];
  uint32_t gid_[kBatchRows + kPad / 4];
  uint32_t local_[kBatchRows + kPad / 4];
};

void Worker::add_group_state() {
  for (size_t m = 0; m < plan_.metrics.size(); ++m) {
    const MetricPlan& mp = plan_.metrics[m];
    Acc& a = accs_[m];
    a.count.push_back(0);
    switch (mp.op) {
      case MetricOp::kCount: break;
      case MetricOp::kCountDistinct:
        a.sets.emplace_back();
        if (domains_[m].span != 0) a.sets.back().set_domain(domains_[m].base, domains_[m].span);
        break;
      case MetricOp::kSum:
      case MetricOp::kAvg:
        if (mp.in == ColumnType::kFloat) {
          a.fsum.push_back(0);
          a.fcomp.push_back(0);
          a.units.push_back(0);
        } else {
          a.isum.push_back(0);
        }
        a.osum.push_back(0);
        a.ocount.push_back(0);
        break;
      case MetricOp::kMin:
      case MetricOp::kMax:
        if (mp.in == ColumnType::kFloat) {
          a.fbest.push_back(0);
        } else if (mp.in == ColumnType::kString) {
          a.sbest.emplace_back();
          a.best_code.push_back(kNoCode);
        } else {
          a.ibest.push_back(0);
        }
        break;
    }
  }
}

bool Worker::prepare(const rows::Chunk& chunk, Status* st) {
  chunk_ = &chunk;
  auto load = [&](uint32_t c) -> bool {
    auto r = chunk.column(c);
    if (!r.ok()) {
      *st = r.status();
      return false;
    }
    cols_[size_t(slot_of_[c])] = *r;
    return true;
  };
  for (const Predicate* p : active_)
    if (!load(p->column)) return false;
  for (const KeyPlan& k : plan_.keys)
    if (!load(k.column)) return false;
  for (const MetricPlan& m : plan_.metrics)
    if (m.column >= 0 && !load(uint32_t(m.column))) return false;

  unit_test_.assign(active_.size(), UnitTest::kNo);
  unit_range_.resize(active_.size());
  for (size_t a = 0; a < active_.size(); ++a) {
    const Predicate& p = *active_[a];
    const ColumnChunk* c = col(p.column);
    if (p.kind != Predicate::Kind::kFloatRange || c == nullptr || !c->has_units()) continue;
    unit_test_[a] = units_range(p, *c, &unit_range_[a].first, &unit_range_[a].second) ? UnitTest::kRange
                                                                                     : UnitTest::kNone;
  }

  // String predicates: one test per dictionary entry.
  for (size_t a = 0; a < active_.size(); ++a) {
    const Predicate& p = *active_[a];
    if (p.kind != Predicate::Kind::kString) continue;
    const ColumnChunk* c = col(p.column);
    if (c == nullptr || c->type() != ColumnType::kString) continue;
    auto& acc = accept_[active_index_[a]];
    acc.resize(std::max<uint32_t>(c->dict_size(), 1));
    for (uint32_t code = 0; code < c->dict_size(); ++code) acc[code] = p.string_matches(c->dict_entry(code));
  }

  // Keys: dense when every key's chunk-local space is small.
  const bool carry_map = dense_ && k_ == 1 && plan_.keys[0].type == ColumnType::kString && keys_[0].col != nullptr;
  size_t product = 1;
  bool all_dense = true;
  for (size_t k = 0; k < k_; ++k) {
    const KeyPlan& kp = plan_.keys[k];
    KeyChunk& kc = keys_[k];
    kc.col = col(kp.column);
    kc.dense_ok = false;
    kc.base = 0;
    kc.step = 1;
    kc.domain = 1;
    if (kc.col == nullptr) {
      kc.dense_ok = true;
    } else if (kp.type == ColumnType::kString) {
      kc.prev_word.swap(kc.code_word);
      const uint32_t carried = kc.prev_col == nullptr ? 0 : std::min(kc.prev_col->dict_size(), uint32_t(kc.prev_word.size()));
      kc.code_word.resize(kc.col->dict_size());
      for (uint32_t code = 0; code < kc.col->dict_size(); ++code) {
        std::string_view entry = kc.col->dict_entry(code);
        kc.code_word[code] = code < carried && kc.prev_col->dict_entry(code) == entry ? kc.prev_word[code]
                                                                                    : key_pools_[k].intern(entry);
      }
      kc.prev_col = kc.col;
      kc.domain = kc.col->dict_size() + 1;
      kc.dense_ok = true;
    } else if (kp.type == ColumnType::kBoolean) {
      kc.domain = 3;
      kc.dense_ok = true;
    } else if (kp.type == ColumnType::kInteger || kp.type == ColumnType::kTimestamp) {
      const storage::ZoneMap& z = chunk.meta().columns[kp.column].zone;
      if (z.has_values() && z.type == kp.type) {
        int64_t width;
        if (kp.granularity == Granularity::kNone) {
          if (uint64_t(z.max_int) - uint64_t(z.min_int) < uint64_t(kDenseIntSpan)) {
            kc.base = z.min_int;
            kc.domain = uint32_t(z.max_int - z.min_int) + 2;
            kc.dense_ok = true;
          }
        } else if (fixed_width(kp.granularity, &width)) {
          int64_t lo = bucket_of(z.min_int, kp.granularity).start;
          int64_t hi = bucket_of(z.max_int, kp.granularity).start;
          if ((hi - lo) / width < kDenseIntSpan) {
            kc.base = lo;
            kc.step = width;
            kc.domain = uint32_t((hi - lo) / width) + 2;
            kc.dense_ok = true;
          }
        }
      }
    }
    all_dense = all_dense && kc.dense_ok;
    if (all_dense) {
      product *= kc.domain;
      if (product > kDenseLimit) all_dense = false;
    }
  }
  // One string key: the previous chunk's dense map carries over like its
  // code words (an equal word at the same code is the same group).
  if (carry_map) {
    prev_map_.swap(dense_map_);
  } else {
    prev_map_.clear();
  }
  dense_ = k_ > 0 && all_dense;
  if (dense_) dense_map_.assign(product, kNoGroup);
  last_group_ = kNoGroup;

  // Float sums over exact decimals add their integer units per group and
  // divide once at the end of the chunk, while the groups are few enough to
  // visit then.
  // Integer sums and those units add packed offsets when the widths allow.
  for (size_t m = 0; m < plan_.metrics.size(); ++m) {
    const MetricPlan& mp = plan_.metrics[m];
    Acc& a = accs_[m];
    a.units_exponent = -1;
    a.offsets = false;
    a.packed_count = false;
    if (mp.op != MetricOp::kSum && mp.op != MetricOp::kAvg) continue;
    const ColumnChunk* c = col(uint32_t(mp.column));
    if (c == nullptr || !c->has_units() || groups_.size() > kUnitsGroupLimit) continue;
    if (mp.in == ColumnType::kFloat) a.units_exponent = int(c->units_exponent());
    if (c->bit_width() <= 47) {
      a.offsets = true;
      a.packed_count = c->bit_width() <= kPackedCountBits;
      a.omin = c->frame_min();
      a.ogcd = c->frame_gcd();
    }
  }
  // Metrics: string dictionaries for count_distinct.
  for (size_t m = 0; m < plan_.metrics.size(); ++m) {
    const MetricPlan& mp = plan_.metrics[m];
    if (mp.op != MetricOp::kCountDistinct || mp.in != ColumnType::kString) continue;
    const ColumnChunk* c = col(uint32_t(mp.column));
    if (c == nullptr) continue;
    Acc& a = accs_[m];
    a.code_word.resize(c->dict_size());
    for (uint32_t code = 0; code < c->dict_size(); ++code) a.code_word[code] = a.distinct_pool.intern(c->dict_entry(code));
  }
  return true;
}

uint32_t Worker::filter(uint32_t begin, uint32_t n, bool* all) {
  *all = true;
  if (active_.empty()) return n;
  std::memset(keep_, 1, n);
  using K = Predicate::Kind;
  for (size_t a = 0; a < active_.size(); ++a) {
    const Predicate& p = *active_[a];
    const ColumnChunk* c = col(p.column);
    if (c == nullptr) {  // every row null
      if (p.kind == K::kIsNull) continue;
      return 0;
    }
    const bool nulls = c->null_count() > 0;
    if (nulls) c->null_bits(begin, n, nbits_);
    switch (p.kind) {
      case K::kNever: return 0;
      case K::kIsNull:
        if (!nulls) return 0;
        for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t(null_at(nbits_, i));
        continue;
      case K::kNotNull: break;
      case K::kIntRange: {
        c->decode_ints(begin, n, ibuf_);
        const uint64_t lo = uint64_t(p.lo), span = uint64_t(p.hi) - uint64_t(p.lo);
        for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t(uint64_t(ibuf_[i]) - lo <= span);
        break;
      }
      case K::kIntNotEq:
        c->decode_ints(begin, n, ibuf_);
        for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t(ibuf_[i] != p.lo);
        break;
      case K::kIntIn:
        c->decode_ints(begin, n, ibuf_);
        for (uint32_t i = 0; i < n; ++i)
          if (keep_[i]) keep_[i] = uint8_t(std::binary_search(p.ints.begin(), p.ints.end(), ibuf_[i]));
        break;
      case K::kFloatRange: {
        if (unit_test_[a] == UnitTest::kNone) return 0;
        if (unit_test_[a] == UnitTest::kRange) {
          c->decode_units(begin, n, ibuf_);
          const uint64_t lo = uint64_t(unit_range_[a].first), span = uint64_t(unit_range_[a].second) - lo;
          for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t(uint64_t(ibuf_[i]) - lo <= span);
          break;
        }
        c->decode_floats(begin, n, fbuf_);
        const double lo = p.flo, hi = p.fhi;
        const double* v = fbuf_;
        if (!p.flo_open && !p.fhi_open) {
          for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t((v[i] >= lo) & (v[i] <= hi));
        } else if (p.flo_open && !p.fhi_open) {
          for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t((v[i] > lo) & (v[i] <= hi));
        } else if (!p.flo_open) {
          for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t((v[i] >= lo) & (v[i] < hi));
        } else {
          for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t((v[i] > lo) & (v[i] < hi));
        }
        break;
      }
      case K::kFloatNotEq:
      case K::kFloatIn:
        c->decode_floats(begin, n, fbuf_);
        for (uint32_t i = 0; i < n; ++i)
          if (keep_[i]) keep_[i] = uint8_t(p.float_matches(fbuf_[i]));
        break;
      case K::kString: {
        if (c->type() != ColumnType::kString) return 0;  // cannot happen: string columns load as strings
        c->decode_codes(begin, n, cbuf_);
        const uint8_t* acc = accept_[active_index_[a]].data();
        for (uint32_t i = 0; i < n; ++i) keep_[i] &= acc[cbuf_[i]];
        break;
      }
    }
    if (nulls)
      for (uint32_t i = 0; i < n; ++i) keep_[i] &= uint8_t(!null_at(nbits_, i));
  }
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    sel_[m] = uint16_t(i);
    m += keep_[i];
  }
  *all = m == n;
  return m;
}

uint32_t Worker::materialize_dense(uint32_t composite) {
  uint64_t mask = 0;
  uint32_t rest = composite;
  for (size_t k = k_; k-- > 0;) {
    const KeyChunk& kc = keys_[k];
    uint32_t code = rest % kc.domain;
    rest /= kc.domain;
    if (code == kc.domain - 1) {
      mask |= uint64_t(1) << k;
      words_[k] = 0;
      continue;
    }
    switch (plan_.keys[k].type) {
      case ColumnType::kString: words_[k] = kc.code_word[code]; break;
      case ColumnType::kBoolean: words_[k] = code; break;
      default: words_[k] = uint64_t(kc.base + int64_t(code) * kc.step); break;
    }
  }
  words_[k_] = mask;
  return group_for_words(words_.data());
}

void Worker::compute_groups(uint32_t begin, uint32_t n, uint32_t m, bool all) {
  if (k_ == 0) {
    std::memset(gid_, 0, sizeof(uint32_t) * m);
    return;
  }
  if (dense_) {
    uint32_t* map = dense_map_.data();
    if (k_ == 1 && plan_.keys[0].type == ColumnType::kString && keys_[0].col != nullptr &&
        keys_[0].col->null_count() == 0) {  // the common case in one pass: code -> group
      keys_[0].col->decode_codes(begin, n, cbuf_);
      const KeyChunk& kc = keys_[0];
      const uint32_t carried = std::min(uint32_t(prev_map_.size()), uint32_t(kc.prev_word.size()));
      each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
        const uint32_t code = cbuf_[i];
        uint32_t g = map[code];
        if (g == kNoGroup) {
          g = code < carried && prev_map_[code] != kNoGroup && kc.prev_word[code] == kc.code_word[code]
                  ? prev_map_[code]
                  : materialize_dense(code);
          map[code] = g;
        }
        gid_[j] = g;
      });
      return;
    }
    for (size_t k = 0; k < k_; ++k) {
      const KeyChunk& kc = keys_[k];
      const uint32_t domain = kc.domain;
      if (kc.col == nullptr) {  // code 0 == domain - 1 == null, domain 1
        if (k == 0) std::memset(local_, 0, sizeof(uint32_t) * m);
        continue;
      }
      const bool first = k == 0;
      const bool nulls = kc.col->null_count() > 0;
      if (nulls) kc.col->null_bits(begin, n, nbits_);
      const uint32_t null_code = domain - 1;
      switch (plan_.keys[k].type) {
        case ColumnType::kString:
          kc.col->decode_codes(begin, n, cbuf_);
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            uint32_t code = (nulls && null_at(nbits_, i)) ? null_code : cbuf_[i];
            local_[j] = first ? code : local_[j] * domain + code;
          });
          break;
        default: {
          kc.col->decode_ints(begin, n, ibuf_);
          const int64_t base = kc.base, step = kc.step;
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            uint32_t code = (nulls && null_at(nbits_, i)) ? null_code
                            : step == 1                    ? uint32_t(ibuf_[i] - base)
                                                           : uint32_t((ibuf_[i] - base) / step);
            local_[j] = first ? code : local_[j] * domain + code;
          });
          break;
        }
      }
    }
    for (uint32_t j = 0; j < m; ++j) {
      uint32_t g = map[local_[j]];
      if (g == kNoGroup) g = map[local_[j]] = materialize_dense(local_[j]);
      gid_[j] = g;
    }
    return;
  }
  // Hash path: key words per row, then one lookup per row (skipped when a
  // row repeats the previous row's key, as sorted or clustered data does).
  std::memset(kmask_, 0, sizeof(uint64_t) * n);
  for (size_t k = 0; k < k_; ++k) {
    const KeyPlan& kp = plan_.keys[k];
    const KeyChunk& kc = keys_[k];
    uint64_t* w = kw_.data() + k * kBatchRows;
    const uint64_t bit = uint64_t(1) << k;
    if (kc.col == nullptr) {
      for (uint32_t i = 0; i < n; ++i) {
        w[i] = 0;
        kmask_[i] |= bit;
      }
      continue;
    }
    switch (kp.type) {
      case ColumnType::kString:
        kc.col->decode_codes(begin, n, cbuf_);
        for (uint32_t i = 0; i < n; ++i) w[i] = kc.code_word.empty() ? 0 : kc.code_word[cbuf_[i]];
        break;
      case ColumnType::kFloat:
        kc.col->decode_floats(begin, n, fbuf_);
        for (uint32_t i = 0; i < n; ++i) w[i] = float_word(fbuf_[i]);
        break;
      default:
        kc.col->decode_ints(begin, n, ibuf_);
        if (kp.granularity == Granularity::kNone) {
          for (uint32_t i = 0; i < n; ++i) w[i] = uint64_t(ibuf_[i]);
        } else {
          Bucket b{1, 0};  // empty: the first row computes
          for (uint32_t i = 0; i < n; ++i) {
            int64_t t = ibuf_[i];
            if (t < b.start || t >= b.end) b = bucket_of(t, kp.granularity);
            w[i] = uint64_t(b.start);
          }
        }
        break;
    }
    if (kc.col->null_count() > 0) {
      kc.col->null_bits(begin, n, nbits_);
      for (uint32_t i = 0; i < n; ++i)
        if (null_at(nbits_, i)) {
          w[i] = 0;
          kmask_[i] |= bit;
        }
    }
  }
  each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
    for (size_t k = 0; k < k_; ++k) words_[k] = kw_[k * kBatchRows + i];
    words_[k_] = kmask_[i];
    if (last_group_ != kNoGroup && std::memcmp(words_.data(), last_words_.data(), (k_ + 1) * 8) == 0) {
      gid_[j] = last_group_;
      return;
    }
    last_group_ = group_for_words(words_.data());
    last_words_ = words_;
    gid_[j] = last_group_;
  });
}

void Worker::update_metrics(uint32_t begin, uint32_t n, uint32_t m, bool all) {
  int32_t ints_of = -1;  // the column whose integers ibuf_ holds (min, max and avg of one column decode once)
  auto decode_ints = [&](const ColumnChunk* c, int32_t column) {
    if (ints_of != column) c->decode_ints(begin, n, ibuf_);
    ints_of = column;
  };
  for (size_t x = 0; x < plan_.metrics.size(); ++x) {
    const MetricPlan& mp = plan_.metrics[x];
    Acc& a = accs_[x];
    int64_t* count = a.count.data();
    if (mp.column < 0) {
      for (uint32_t j = 0; j < m; ++j) ++count[gid_[j]];
      continue;
    }
    const ColumnChunk* c = col(uint32_t(mp.column));
    if (c == nullptr) continue;  // every value null here
    const bool nulls = c->null_count() > 0;
    if (nulls) c->null_bits(begin, n, nbits_);
    auto is_null = [&](uint32_t i) { return nulls && null_at(nbits_, i); };
    const bool is_float = mp.in == ColumnType::kFloat;
    const bool is_string = mp.in == ColumnType::kString;
    switch (mp.op) {
      case MetricOp::kCount:
        each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) { count[gid_[j]] += !is_null(i); });
        break;
      case MetricOp::kSum:
      case MetricOp::kAvg:
        if (a.offsets) {
          uint64_t* off = reinterpret_cast<uint64_t*>(ibuf_);  // int64_t may be accessed as uint64_t
          c->decode_offsets(begin, n, off);
          ints_of = -1;
          uint64_t* osum = a.osum.data();
          uint32_t* ocount = a.ocount.data();
          if (a.packed_count) {
            constexpr uint64_t one = uint64_t(1) << kCountShift;
            if (nulls) {
              each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
                if (!null_at(nbits_, i)) osum[gid_[j]] += off[i] + one;
              });
            } else {
              each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) { osum[gid_[j]] += off[i] + one; });
            }
          } else if (nulls) {
            each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
              if (null_at(nbits_, i)) return;
              osum[gid_[j]] += off[i];
              ++ocount[gid_[j]];
            });
          } else {
            each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
              osum[gid_[j]] += off[i];
              ++ocount[gid_[j]];
            });
          }
        } else if (is_float && a.units_exponent >= 0) {
          c->decode_units(begin, n, ibuf_);
          ints_of = -1;
          int128_t* units = a.units.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            units[g] += ibuf_[i];
            ++count[g];
          });
        } else if (is_float) {
          c->decode_floats(begin, n, fbuf_);
          double* sum = a.fsum.data();
          double* comp = a.fcomp.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            neumaier(sum[g], comp[g], fbuf_[i]);
            ++count[g];
          });
        } else {
          decode_ints(c, mp.column);
          int128_t* sum = a.isum.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            sum[g] += ibuf_[i];
            ++count[g];
          });
        }
        break;
      case MetricOp::kMin:
      case MetricOp::kMax: {
        const bool want_min = mp.op == MetricOp::kMin;
        if (is_string) {
          c->decode_codes(begin, n, cbuf_);
          uint32_t* best = a.best_code.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            uint32_t code = cbuf_[i];
            if (best[g] == kNoCode) {
              best[g] = code;
              a.touched.push_back(g);
            } else if (want_min ? code < best[g] : code > best[g]) {
              best[g] = code;
            }
          });
        } else if (is_float) {
          c->decode_floats(begin, n, fbuf_);
          double* best = a.fbest.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            double v = fbuf_[i];
            if (count[g]++ == 0 || (want_min ? v < best[g] : v > best[g])) best[g] = v;
          });
        } else {
          decode_ints(c, mp.column);
          int64_t* best = a.ibest.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (is_null(i)) return;
            uint32_t g = gid_[j];
            int64_t v = ibuf_[i];
            if (count[g]++ == 0 || (want_min ? v < best[g] : v > best[g])) best[g] = v;
          });
        }
        break;
      }
      case MetricOp::kCountDistinct: {
        U64Set* sets = a.sets.data();
        auto insert = [&](uint32_t g, uint64_t v) {
          size_t before = sets[g].bytes();
          sets[g].insert(v);
          a.set_bytes += sets[g].bytes() - before;
        };
        if (is_string) {
          c->decode_codes(begin, n, cbuf_);
          const uint64_t* words = a.code_word.data();
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (!is_null(i)) insert(gid_[j], words[cbuf_[i]]);
          });
        } else if (is_float) {
          c->decode_floats(begin, n, fbuf_);
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (!is_null(i)) insert(gid_[j], float_word(fbuf_[i]));
          });
        } else {
          decode_ints(c, mp.column);
          each_selected(sel_, m, all, [&](uint32_t j, uint32_t i) {
            if (!is_null(i)) insert(gid_[j], uint64_t(ibuf_[i]));
          });
        }
        break;
      }
    }
  }
}

void Worker::finish_chunk() {
  for (size_t x = 0; x < accs_.size(); ++x) {
    Acc& a = accs_[x];
    if (!a.offsets) continue;
    const int128_t min = int64_t(a.omin), gcd = int128_t(a.ogcd);
    const bool is_float = plan_.metrics[x].in == ColumnType::kFloat;
    for (size_t g = 0; g < a.osum.size(); ++g) {
      uint64_t sum = a.osum[g];
      uint32_t rows = a.ocount[g];
      if (a.packed_count) {
        rows = uint32_t(sum >> kCountShift);
        sum &= (uint64_t(1) << kCountShift) - 1;
      }
      if (rows == 0) continue;
      const int128_t total = min * rows + gcd * int128_t(sum);
      if (is_float) {
        a.units[g] += total;
      } else {
        a.isum[g] += total;
      }
      a.count[g] += rows;
      a.osum[g] = 0;
      a.ocount[g] = 0;
    }
    a.offsets = false;
  }
  for (Acc& a : accs_) {
    if (a.units_exponent < 0) continue;
    const double scale = kPow10[a.units_exponent];
    for (size_t g = 0; g < a.units.size(); ++g) {
      if (a.units[g] == 0) continue;
      neumaier(a.fsum[g], a.fcomp[g], double(a.units[g]) / scale);
      a.units[g] = 0;
    }
    a.units_exponent = -1;
  }
  for (size_t x = 0; x < plan_.metrics.size(); ++x) {
    const MetricPlan& mp = plan_.metrics[x];
    if (mp.in != ColumnType::kString || (mp.op != MetricOp::kMin && mp.op != MetricOp::kMax)) continue;
    Acc& a = accs_[x];
    const ColumnChunk* c = col(uint32_t(mp.column));
    for (uint32_t g : a.touched) {
      std::string_view s = c->dict_entry(a.best_code[g]);
      a.best_code[g] = kNoCode;
      if (a.count[g]++ == 0 || (mp.op == MetricOp::kMin ? s < a.sbest[g] : s > a.sbest[g])) {
        string_bytes_ += s.size() > a.sbest[g].capacity() ? s.size() : 0;
        a.sbest[g].assign(s);
      }
    }
    a.touched.clear();
  }
}

bool Worker::scan(const rows::Chunk& chunk, Status* st, ScanStats* stats) {
  active_.clear();
  active_index_.clear();
  for (size_t i = 0; i < plan_.predicates.size(); ++i) {
    const Predicate& p = plan_.predicates[i];
    storage::ZoneMap z = zone_of(chunk, p.column, p.type);
    if (!p.may_match(z)) return true;  // pruned
    if (!p.always_matches(z)) {
      active_.push_back(&p);
      active_index_.push_back(i);
    }
  }
  ++stats->chunks_scanned;
  stats->rows_scanned += chunk.rows();
  if (k_ == 0 && active_.empty() && counts_only_) {  // count(*) over a whole chunk: its row count
    for (Acc& a : accs_) a.count[0] += chunk.rows();
    return true;
  }
  if (!prepare(chunk, st)) return false;
  const uint32_t rows = chunk.rows();
  for (uint32_t begin = 0; begin < rows; begin += kBatchRows) {
    const uint32_t n = std::min(kBatchRows, rows - begin);
    bool all = true;
    const uint32_t m = filter(begin, n, &all);
    if (m == 0) continue;
    compute_groups(begin, n, m, all);
    update_metrics(begin, n, m, all);
  }
  finish_chunk();
  return true;
}

void Worker::merge_from(const Worker& o) {
  std::vector<uint64_t> words(k_ + 1);
  for (uint32_t g2 = 0; g2 < o.groups_.size(); ++g2) {
    const uint64_t* src = o.groups_.key(g2);
    std::copy(src, src + k_ + 1, words.begin());
    for (size_t k = 0; k < k_; ++k)
      if (plan_.keys[k].type == ColumnType::kString && !((words[k_] >> k) & 1))
        words[k] = key_pools_[k].intern(o.key_pools_[k].at(uint32_t(words[k])));
    const uint32_t g = group_for_words(words.data());
    for (size_t x = 0; x < plan_.metrics.size(); ++x) {
      const MetricPlan& mp = plan_.metrics[x];
      Acc& a = accs_[x];
      const Acc& b = o.accs_[x];
      switch (mp.op) {
        case MetricOp::kCount: break;
        case MetricOp::kSum:
        case MetricOp::kAvg:
          if (mp.in == ColumnType::kFloat) {
            neumaier(a.fsum[g], a.fcomp[g], b.fsum[g2]);
            a.fcomp[g] += b.fcomp[g2];
          } else {
            a.isum[g] += b.isum[g2];
          }
          break;
        case MetricOp::kMin:
        case MetricOp::kMax: {
          if (b.count[g2] == 0) break;
          const bool want_min = mp.op == MetricOp::kMin;
          const bool first = a.count[g] == 0;
          if (mp.in == ColumnType::kFloat) {
            if (first || (want_min ? b.fbest[g2] < a.fbest[g] : b.fbest[g2] > a.fbest[g])) a.fbest[g] = b.fbest[g2];
          } else if (mp.in == ColumnType::kString) {
            if (first || (want_min ? b.sbest[g2] < a.sbest[g] : b.sbest[g2] > a.sbest[g])) a.sbest[g] = b.sbest[g2];
          } else {
            if (first || (want_min ? b.ibest[g2] < a.ibest[g] : b.ibest[g2] > a.ibest[g])) a.ibest[g] = b.ibest[g2];
          }
          break;
        }
        case MetricOp::kCountDistinct:
          if (mp.in == ColumnType::kString) {
            b.sets[g2].for_each([&](uint64_t id) { a.sets[g].insert(a.distinct_pool.intern(b.distinct_pool.at(uint32_t(id)))); });
          } else {
            a.sets[g].merge(b.sets[g2]);
          }
          break;
      }
      a.count[g] += b.count[g2];
    }
  }
}

QueryResult Worker::finish() const {
  QueryResult r;
  r.columns = plan_.columns;
  const uint32_t groups = groups_.size();
  std::vector<std::vector<Value>> rows(groups);
  for (uint32_t g = 0; g < groups; ++g) {
    std::vector<Value>& row = rows[g];
    row.reserve(plan_.columns.size());
    const uint64_t* key = groups_.key(g);
    for (size_t k = 0; k < k_; ++k) {
      if ((key[k_] >> k) & 1) {
        row.push_back(Value::null());
        continue;
      }
      switch (plan_.keys[k].type) {
        case ColumnType::kString: row.push_back(Value::string(key_pools_[k].at(uint32_t(key[k])))); break;
        case ColumnType::kBoolean: row.push_back(Value::boolean(key[k] != 0)); break;
        case ColumnType::kTimestamp: row.push_back(Value::timestamp(int64_t(key[k]))); break;
        case ColumnType::kFloat: row.push_back(Value::floating(std::bit_cast<double>(key[k]))); break;
        case ColumnType::kInteger: row.push_back(Value::integer(int64_t(key[k]))); break;
      }
    }
    for (size_t x = 0; x < plan_.metrics.size(); ++x) {
      const MetricPlan& mp = plan_.metrics[x];
      const Acc& a = accs_[x];
      const int64_t n = a.count[g];
      switch (mp.op) {
        case MetricOp::kCount: row.push_back(Value::integer(n)); break;
        case MetricOp::kCountDistinct: row.push_back(Value::integer(int64_t(a.sets[g].size()))); break;
        case MetricOp::kSum:
          if (n == 0) row.push_back(Value::null());
          else if (mp.in == ColumnType::kFloat) row.push_back(Value::floating(a.fsum[g] + a.fcomp[g]));
          else row.push_back(Value::integer(a.isum[g]));
          break;
        case MetricOp::kAvg:
          if (n == 0) row.push_back(Value::null());
          else if (mp.in == ColumnType::kFloat) row.push_back(Value::floating((a.fsum[g] + a.fcomp[g]) / double(n)));
          else row.push_back(Value::floating(double(a.isum[g]) / double(n)));
          break;
        case MetricOp::kMin:
        case MetricOp::kMax:
          if (n == 0) {
            row.push_back(Value::null());
          } else if (mp.in == ColumnType::kFloat) {
            row.push_back(Value::floating(a.fbest[g]));
          } else if (mp.in == ColumnType::kString) {
            row.push_back(Value::string(a.sbest[g]));
          } else if (mp.in == ColumnType::kTimestamp) {
            row.push_back(Value::timestamp(a.ibest[g]));
          } else {
            row.push_back(Value::integer(a.ibest[g]));
          }
          break;
      }
    }
  }

  // Order: order_by entries (nulls last either way), then the keys ascending.
  auto less = [&](uint32_t x, uint32_t y) {
    const auto& a = rows[x];
    const auto& b = rows[y];
    for (const OrderKey& o : plan_.order) {
      const Value& va = a[o.output];
      const Value& vb = b[o.output];
      int c = compare_values(va, vb);
      if (c == 0) continue;
      const bool any_null = va.kind == Value::Kind::kNull || vb.kind == Value::Kind::kNull;
      return (o.desc && !any_null) ? c > 0 : c < 0;
    }
    for (size_t k = 0; k < k_; ++k) {
      int c = compare_values(a[k], b[k]);
      if (c != 0) return c < 0;
    }
    return false;
  };
  std::vector<uint32_t> order(groups);
  std::iota(order.begin(), order.end(), 0u);
  const size_t keep = std::min<size_t>(plan_.limit, groups);
  if (keep < groups) {
    std::partial_sort(order.begin(), order.begin() + ptrdiff_t(keep), order.end(), less);
    order.resize(keep);
    r.truncated = true;
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  r.rows.reserve(order.size());
  for (uint32_t g : order) r.rows.push_back(std::move(rows[g]));
  return r;
}

}  // namespace

void run_sequentially(int workers, const std::function<void(int)>& fn) {
  for (int w = 0; w < workers; ++w) fn(w);
}

ExecOutcome execute(const Plan& plan, std::span<const std::shared_ptr<const rows::Chunk>> chunks, int workers,
                    const ParallelFor& parallel_for, const ScanControl& control) {
  ExecOutcome out;
  out.stats.chunks = chunks.size();
  // Column slots: each distinct column the plan reads.
  uint32_t max_col = 0;
  for (const Predicate& p : plan.predicates) max_col = std::max(max_col, p.column);
  for (const KeyPlan& k : plan.keys) max_col = std::max(max_col, k.column);
  for (const MetricPlan& m : plan.metrics)
    if (m.column >= 0) max_col = std::max(max_col, uint32_t(m.column));
  std::vector<int> slot_of(max_col + 1, -1);
  size_t slots = 0;
  auto use = [&](uint32_t c) {
    if (slot_of[c] < 0) slot_of[c] = int(slots++);
  };
  for (const Predicate& p : plan.predicates) use(p.column);
  for (const KeyPlan& k : plan.keys) use(k.column);
  for (const MetricPlan& m : plan.metrics)
    if (m.column >= 0) use(uint32_t(m.column));

  workers = std::max(1, std::min<int>(workers, int(std::max<size_t>(chunks.size(), 1))));
  std::vector<std::unique_ptr<Worker>> ws;
  ws.reserve(size_t(workers));
  const std::vector<SetDomain> domains = set_domains(plan, chunks);
  for (int w = 0; w < workers; ++w)
    ws.push_back(std::make_unique<Worker>(plan, slot_of, std::max<size_t>(slots, 1), domains));

  std::atomic<size_t> next{0};
  std::atomic<int> stop{int(ExecOutcome::Kind::kOk)};
  std::atomic<int64_t> memory{0};
  std::atomic<size_t> peak{0};
  std::mutex mu;  // out.status, out.stats
  auto stop_with = [&](ExecOutcome::Kind k) {
    int expected = int(ExecOutcome::Kind::kOk);
    stop.compare_exchange_strong(expected, int(k));
  };
  parallel_for(workers, [&](int w) {
    Worker& me = *ws[size_t(w)];
    ScanStats local;
    int64_t mine = 0;
    while (stop.load(std::memory_order_relaxed) == int(ExecOutcome::Kind::kOk)) {
      if (control.cancelled != nullptr && control.cancelled->load(std::memory_order_relaxed)) {
        stop_with(ExecOutcome::Kind::kCancelled);
        break;
      }
      if (std::chrono::steady_clock::now() > control.deadline) {
        stop_with(ExecOutcome::Kind::kTimeout);
        break;
      }
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= chunks.size()) break;
      Status st;
      if (!me.scan(*chunks[i], &st, &local)) {
        std::lock_guard<std::mutex> lock(mu);
        if (out.status.ok()) out.status = st;
        stop_with(ExecOutcome::Kind::kFailed);
        break;
      }
      const int64_t now = int64_t(me.memory());
      const int64_t total = memory.fetch_add(now - mine, std::memory_order_relaxed) + (now - mine);
      mine = now;
      size_t p = peak.load(std::memory_order_relaxed);
      while (size_t(total) > p && !peak.compare_exchange_weak(p, size_t(total), std::memory_order_relaxed)) {
      }
      if (total > 0 && size_t(total) > control.memory_limit) {
        stop_with(ExecOutcome::Kind::kMemory);
        break;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    out.stats.chunks_scanned += local.chunks_scanned;
    out.stats.rows_scanned += local.rows_scanned;
  });
  out.kind = ExecOutcome::Kind(stop.load());
  out.stats.peak_memory = peak.load();
  if (out.kind != ExecOutcome::Kind::kOk) return out;
  for (size_t w = 1; w < ws.size(); ++w) {
    ws[0]->merge_from(*ws[w]);
    ws[w].reset();
    if (control.cancelled != nullptr && control.cancelled->load(std::memory_order_relaxed)) {
      out.kind = ExecOutcome::Kind::kCancelled;
      return out;
    }
    if (ws[0]->memory() > control.memory_limit) {
      out.kind = ExecOutcome::Kind::kMemory;
      return out;
    }
  }
  out.stats.groups = ws[0]->groups();
  out.result = ws[0]->finish();
  return out;
}

}  // namespace claribi::analytics
