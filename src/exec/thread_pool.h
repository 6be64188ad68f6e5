// ThreadPool: a named pool of worker threads with a bounded queue, for work
// that must stay off the reactors (row uploads now, queries next). Unlike
// libuv's shared pool it has its own threads, so a long upload never
// delays an argon2 login, and its queue is bounded: try_submit says no
// instead of queueing without limit, and the caller answers 503.
//
// Tasks are plain functions; a task that can be cancelled checks its own
// flag (the upload job does) — the pool never kills a running task.
// Stop() lets queued tasks run, then joins the threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace claribi::exec {

class ThreadPool {
 public:
  struct Options {
    // Added to each worker thread's nice value (Linux: per thread). Bulk
    // work (uploads) runs at 10, so when it competes for a core with the
    // reactors the scheduler gives the reactors about nine tenths of it.
    int nice = 0;
    // Run on each worker thread (e.g. to register it as a QSBR reader).
    std::function<void()> on_thread_start;
    std::function<void()> on_thread_exit;
  };
  ThreadPool(std::string name, int threads, size_t max_queue) : ThreadPool(std::move(name), threads, max_queue, Options{}) {}
  ThreadPool(std::string name, int threads, size_t max_queue, Options options);
  ~ThreadPool();  // Stop()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queued tasks of kNormal priority run before any of kLow (scheduled
  // report runs wait behind interactive queries); FIFO within a priority.
  enum class Priority : uint8_t { kNormal, kLow };
  // Queues the task; false (and the task is dropped) when the queue (both
  // priorities together) is full or the pool has stopped. Thread-safe.
  bool try_submit(std::function<void()> task, Priority priority = Priority::kNormal);
  // Runs what is queued, then joins. Idempotent.
  void Stop();

  const std::string& name() const { return name_; }
  int threads() const { return int(threads_.size()); }
  size_t queued() const;

 private:
  void run();

  std::string name_;
  size_t max_queue_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_, low_queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace claribi::exec
