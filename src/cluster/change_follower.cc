// ChangeFollower (see change_follower.h).
#include "cluster/change_follower.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "common/time_util.h"

namespace claribi::cluster {
namespace {
constexpr size_t kReadLimit = 512;  // changes per read: bounds one apply on the writer thread
constexpr int kWaitMs = 1000;       // longest wait for a NOTIFY before reading anyway
constexpr int kRetryMs = 1000;      // after an error
}  // namespace

ChangeFollower::ChangeFollower(storage::ChangeFeed& feed, storage::GroupCommitWriter& writer, uint64_t position)
    : feed_(feed), writer_(writer), position_(position) {}

ChangeFollower::~ChangeFollower() { stop(); }

void ChangeFollower::follow(storage::Family f, Prepare prepare) {
  prepare_[static_cast<size_t>(f)] = std::move(prepare);
}

void ChangeFollower::start() { thread_ = std::thread([this] { run(); }); }

void ChangeFollower::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string ChangeFollower::problem() const {
  std::lock_guard lk(mu_);
  return problem_;
}

bool ChangeFollower::pause(int ms) {
  std::unique_lock lk(mu_);
  return !cv_.wait_for(lk, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void ChangeFollower::report(const Status& st) {
  if (st.message() == last_error_) return;  // once per outage, not once a second
  last_error_ = st.message();
  std::fprintf(stderr, "claribi-server: following the other nodes' changes: %s\n", st.message().c_str());
}

void ChangeFollower::run() {
  struct Step {
    storage::Family family;
    std::string key;
    uint64_t seq;
    std::function<void()> apply;
  };
  std::vector<storage::CommittedChange> got;
  std::vector<Step> steps;
  bool read_failing = false;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
    }
    const uint64_t from = position_.load(std::memory_order_relaxed);
    Status st = feed_.Read(from, kReadLimit, kWaitMs, &got);
    if (!st.ok()) {
      report(st);
      read_failing = true;
      if (st.code() == StatusCode::kInternal) {
        std::lock_guard lk(mu_);
        problem_ = st.message();
      }
      if (!pause(kRetryMs)) return;
      continue;
    }
    if (read_failing) {
      std::fprintf(stderr, "claribi-server: following the other nodes' changes again from %llu\n",
                   static_cast<unsigned long long>(from));
      read_failing = false;
      last_error_.clear();
    }
    if (got.empty()) continue;
    const uint64_t read_at = monotonic_ns();
    steps.clear();
    for (const storage::CommittedChange& ch : got) {
      for (const storage::Batch::Op& op : ch.ops) {
        const Prepare& prepare = prepare_[static_cast<size_t>(op.family)];
        // This node's own commits come back too: not prepared (decoded,
        // rendered) only to be skipped. Once true this stays true until
        // AppliedThrough passes the change, which runs only in the apply
        // this thread submits below and waits for.
        if (!prepare || feed_.AppliedHere(op.family, op.key, ch.seq)) continue;
        Result<std::function<void()>> r = prepare(op);
        if (!r.ok()) {
          st = r.status().code() == StatusCode::kCorruption
                   ? Status::Corruption("change " + std::to_string(ch.seq) + ": " + r.status().message())
                   : Status::IoError("change " + std::to_string(ch.seq) + ": " + r.status().message());
          break;
        }
        if (r.value()) steps.push_back(Step{op.family, std::string(op.key), ch.seq, std::move(r.value())});
      }
      if (!st.ok()) break;
    }
    if (!st.ok()) {  // the same changes again after a pause (a read failed, or a record does not decode)
      report(st);
      if (st.code() == StatusCode::kCorruption) {  // stuck until mended: health says so
        std::lock_guard lk(mu_);
        problem_ = "cannot apply the other nodes' changes: " + st.message();
      }
      if (!pause(kRetryMs)) return;
      continue;
    }
    // On the writer thread, in order with this node's own commits.
    const uint64_t through = got.back().seq;
    std::mutex m;
    std::condition_variable cv;
    bool ran = false, finished = false;
    writer_.Submit(
        storage::Batch(),
        [&] {
          for (Step& s : steps)
            if (!feed_.AppliedHere(s.family, s.key, s.seq)) s.apply();
          feed_.AppliedThrough(through);
          ran = true;
        },
        [&](Status) {
          std::lock_guard lk(m);
          finished = true;
          cv.notify_one();
        });
    {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return finished; });
    }
    if (!ran) return;  // the writer has stopped: so is the server
    position_.store(through, std::memory_order_relaxed);
    {
      std::lock_guard lk(mu_);
      problem_.clear();  // past what was stuck (a trimmed log never gets here)
    }
    applied_.fetch_add(got.size(), std::memory_order_relaxed);
    const double age_us = got.back().age_seconds * 1e6 + double(monotonic_ns() - read_at) / 1e3;
    lag_micros_.observe(age_us < 0 ? 0 : uint64_t(age_us));
  }
}

}  // namespace claribi::cluster
