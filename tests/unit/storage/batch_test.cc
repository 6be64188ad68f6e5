// Batch: the encoding read back from outside (Batch::FromRep, what the
// PostgreSQL change log stores) — a round trip keeps every op, and anything
// that is not a whole, known encoding is refused rather than misread.
#include "storage/batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace claribi::storage {
namespace {

// One op of each kind, each in a batch of its own.
std::vector<Batch> sample_ops() {
  std::vector<Batch> v(5);
  v[0].Put(Family::kUsers, "user-key", "user-value");
  v[1].Delete(Family::kApiKeys, std::string("k\0ey", 4));
  v[2].DeleteRange(Family::kRowChunks, "a", "b");
  v[3].Put(Family::kRowTables, "", "");
  v[4].Put(Family::kReports, "r", std::string(300, 'x'));  // a two-byte length
  return v;
}

Batch sample() {
  Batch b;
  for (const Batch& one : sample_ops()) b.Append(one);
  return b;
}

TEST(StorageBatch, FromRepRoundTripsEveryOp) {
  const Batch b = sample();
  Batch back;
  ASSERT_TRUE(Batch::FromRep(b.rep(), &back));
  EXPECT_EQ(back.count(), b.count());
  EXPECT_EQ(back.rep(), b.rep());
  std::vector<std::string> ops;
  for (const Batch::Op& op : back)
    ops.push_back(std::to_string(int(op.type)) + "/" + std::string(family_name(op.family)) + "/" +
                  std::string(op.key) + "/" + std::to_string(op.value.size()));
  EXPECT_EQ(ops, (std::vector<std::string>{"1/users/user-key/10", std::string("2/api_keys/k\0ey/0", 17),
                                           "3/row_chunks/a/1", "1/row_tables//0", "1/reports/r/300"}));
  Batch empty;
  ASSERT_TRUE(Batch::FromRep("", &empty));
  EXPECT_TRUE(empty.empty());
}

TEST(StorageBatch, FromRepRefusesEveryTruncationAndUnknownBytes) {
  const std::string rep(sample().rep());
  // Every proper prefix that does not end on an op boundary is refused.
  std::vector<size_t> boundaries{0};
  size_t end = 0;
  for (const Batch& one : sample_ops()) boundaries.push_back(end += one.byte_size());
  size_t refused = 0;
  for (size_t n = 0; n < rep.size(); ++n) {
    Batch out;
    const bool boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    EXPECT_EQ(Batch::FromRep(std::string_view(rep).substr(0, n), &out), boundary) << "prefix of " << n;
    refused += !boundary;
  }
  EXPECT_GT(refused, 300u);
  Batch out;
  std::string bad = rep;
  bad[0] = 9;  // no such op type
  EXPECT_FALSE(Batch::FromRep(bad, &out));
  bad = rep;
  bad[1] = char(kFamilyCount);  // no such family
  EXPECT_FALSE(Batch::FromRep(bad, &out));
  EXPECT_FALSE(Batch::FromRep(std::string("\x01\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12), &out));
}

TEST(StorageBatch, PreconditionsIterateInOrderAndNeverComeFromTheChangeLog) {
  Batch b;
  b.Expect(Family::kApiKeys, "k", "was");
  b.ExpectAbsent(Family::kMeta, "email/x");
  b.Put(Family::kApiKeys, "k", "now");
  std::vector<std::string> ops;
  for (const Batch::Op& op : b)
    ops.push_back(std::to_string(int(op.type)) + "/" + std::string(op.key) + "/" + std::string(op.value));
  EXPECT_EQ(ops, (std::vector<std::string>{"4/k/was", "5/email/x/", "1/k/now"}));
  EXPECT_EQ(b.count(), 3u);
  // The change log holds writes only: a precondition there is not a write to apply.
  Batch out;
  EXPECT_FALSE(Batch::FromRep(b.rep(), &out));
  Batch writes;
  writes.Put(Family::kApiKeys, "k", "now");
  EXPECT_TRUE(Batch::FromRep(writes.rep(), &out));
}

}  // namespace
}  // namespace claribi::storage
