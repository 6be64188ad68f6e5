// ChangeFollower: keeps a node's in-memory state — identity index and lists,
// resource catalogs, table snapshots — up to date with what the other nodes
// sharing its database commit (cluster mode; storage::ChangeFeed, the
// PostgreSQL change log). So a key revoked, a user disabled, a password
// changed, a logout, a dashboard saved or rows uploaded on one node take
// effect on every node, a moment later (the lag it measures).
//
// One thread. It reads the log in commit order from the position the node
// loaded its state at, and for each operation on a followed family asks
// that family's Prepare (the owning service: decode, render, read what else
// is needed — on this thread) for what to apply in memory. The applies of
// one read run together on the group-commit thread, where the node applies
// its own commits, in log order; an operation on a key this node has
// itself written at a later position is skipped (ChangeFeed::AppliedHere),
// so an older change never undoes a newer one. Its own commits come back
// through the log too and are skipped the same way, before they are even
// prepared — unless their outcome
// was unknown here (a connection lost during the commit), in which case the
// log is what tells the node that they did commit.
//
// While the database is unreachable it retries each second from where it
// was; a change that does not decode is retried too (logged, and health
// reports it), never skipped. When the log was trimmed past its position (a
// node away longer than the log keeps changes), problem() says so and the
// node must restart.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "metrics/counter.h"
#include "storage/database.h"
#include "storage/families.h"
#include "storage/group_commit_writer.h"

namespace claribi::cluster {

class ChangeFollower {
 public:
  // What a followed family's owner does with one operation another node
  // committed: runs on the follower's thread and returns what to apply on
  // the writer thread (empty: nothing), or an error (retried).
  using Prepare = std::function<Result<std::function<void()>>(const storage::Batch::Op& op)>;

  // Follows `feed` from `position` (the log head read before the node
  // loaded its state), applying through `writer`.
  ChangeFollower(storage::ChangeFeed& feed, storage::GroupCommitWriter& writer, uint64_t position);
  ~ChangeFollower();  // stop()
  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

  // Before start().
  void follow(storage::Family f, Prepare prepare);
  void start();
  // Joins the thread (within about a second). Call before the writer stops.
  void stop();

  uint64_t position() const { return position_.load(std::memory_order_relaxed); }
  uint64_t changes_applied() const { return applied_.load(std::memory_order_relaxed); }
  // Non-empty when this node can no longer follow (the log was trimmed past
  // its position): what health reports.
  std::string problem() const;
  // Per read: the age of its newest change when applied (commit to applied
  // on this node, by the database's clock for the first part), in µs.
  const metrics::Histogram& lag_micros() const { return lag_micros_; }
  static constexpr uint64_t kLagBoundsUs[] = {500,    1000,   2500,    5000,    10000,   25000,   50000,
                                              100000, 250000, 500000, 1000000, 2500000, 10000000};

 private:
  void run();
  // Waits up to `ms` or until stop(); false when stopping.
  bool pause(int ms);
  void report(const Status& st);

  storage::ChangeFeed& feed_;
  storage::GroupCommitWriter& writer_;
  std::array<Prepare, storage::kFamilyCount> prepare_;
  std::atomic<uint64_t> position_;
  std::atomic<uint64_t> applied_{0};
  metrics::Histogram lag_micros_{kLagBoundsUs};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // under mu_
  std::string problem_;    // under mu_
  std::string last_error_;  // follower thread: the error last logged
  std::thread thread_;
};

}  // namespace claribi::cluster
