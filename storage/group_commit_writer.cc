// GroupCommitWriter: merges concurrently submitted batches into one synced
// write (see group_commit_writer.h).
#include "storage/group_commit_writer.h"

#include <pthread.h>

#include <span>
#include <utility>

#include "common/time_util.h"

namespace claribi::storage {

GroupCommitWriter::GroupCommitWriter(Database& db, size_t max_group_bytes)
    : db_(db), max_group_bytes_(max_group_bytes == 0 ? 1 : max_group_bytes) {
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "claribi-commit");
}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Submit(Batch batch, std::function<void(Status)> done) {
  Submit(std::move(batch), nullptr, std::move(done));
}

void GroupCommitWriter::Submit(Batch batch, std::function<void()> after_commit,
                               std::function<void(Status)> done) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      bool was_empty = queue_.empty();
      queue_.push_back(Request{std::move(batch), std::move(after_commit), std::move(done)});
      if (was_empty) cv_.notify_one();  // otherwise the writer is already due
      return;
    }
  }
  if (done) done(Status::Unavailable("group commit writer is stopped"));
}

void GroupCommitWriter::Stop() {
  std::lock_guard stop_lk(stop_mu_);
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitWriter::Run() {
  std::vector<Request> group;  // swapped with queue_, so both keep capacity
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping and drained
      group.swap(queue_);
    }
    size_t begin = 0;
    while (begin < group.size()) {
      size_t end = begin;
      size_t bytes = 0;
      do {
        bytes += group[end].batch.byte_size();
        ++end;
      } while (end < group.size() && bytes + group[end].batch.byte_size() <= max_group_bytes_);
      Commit(group, begin, end);
      begin = end;
    }
    group.clear();
  }
}

void GroupCommitWriter::Commit(std::vector<Request>& group, size_t begin, size_t end) {
  // Small groups (the common case) need no allocation for the pointer list.
  constexpr size_t kInline = 64;
  const Batch* inline_ptrs[kInline];
  std::vector<const Batch*> heap_ptrs;
  const Batch** ptrs = inline_ptrs;
  if (end - begin > kInline) {
    heap_ptrs.resize(end - begin);
    ptrs = heap_ptrs.data();
  }
  for (size_t i = begin; i < end; ++i) ptrs[i - begin] = &group[i].batch;

  const uint64_t started = monotonic_ns();
  Status st = db_.WriteGroup(std::span<const Batch* const>(ptrs, end - begin));
  sync_micros_.observe((monotonic_ns() - started) / 1000);
  group_sizes_.observe(end - begin);
  batches_written_.fetch_add(1, std::memory_order_relaxed);
  if (st.code() == StatusCode::kConflict && end - begin > 1) {
    // One batch's precondition failed, and with it the whole transaction:
    // each again on its own, in order, so only the batches that conflict fail.
    for (size_t i = begin; i < end; ++i) Commit(group, i, i + 1);
    return;
  }
  last_write_failed_.store(!st.ok(), std::memory_order_relaxed);
  if (st.ok()) {
    writes_committed_.fetch_add(end - begin, std::memory_order_relaxed);
    for (size_t i = begin; i < end; ++i)
      if (group[i].after_commit) group[i].after_commit();
  } else {
    writes_failed_.fetch_add(end - begin, std::memory_order_relaxed);
    if (st.code() == StatusCode::kConflict) writes_conflicted_.fetch_add(end - begin, std::memory_order_relaxed);
    for (size_t i = begin; i < end; ++i)  // an empty batch wrote nothing that failed
      if (group[i].after_commit && group[i].batch.empty()) group[i].after_commit();
  }
  for (size_t i = begin; i < end; ++i)
    if (group[i].done) group[i].done(st);
}

void submit_or_write(Database& db, GroupCommitWriter* writer, Batch batch, std::function<void()> after_commit,
                     std::function<void(Status)> done) {
  if (writer != nullptr) {
    writer->Submit(std::move(batch), std::move(after_commit), std::move(done));
    return;
  }
  Status st = db.Write(batch);
  if (st.ok() && after_commit) after_commit();
  if (done) done(std::move(st));
}

}  // namespace claribi::storage
