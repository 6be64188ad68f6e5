// ThreadPool (see thread_pool.h).
#include "exec/thread_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace claribi::exec {

ThreadPool::ThreadPool(std::string name, int threads, size_t max_queue, Options options)
    : name_(std::move(name)), max_queue_(max_queue), options_(std::move(options)) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      std::string n = (name_ + "-" + std::to_string(i)).substr(0, 15);  // the kernel's limit
      pthread_setname_np(pthread_self(), n.c_str());
      if (options_.nice != 0) {
        // Best effort: a failure (no permission to lower it back) changes nothing else.
        errno = 0;
        int now = ::getpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)));
        if (errno == 0) (void)::setpriority(PRIO_PROCESS, id_t(::syscall(SYS_gettid)), now + options_.nice);
      }
      run();
    });
  }
}

ThreadPool::~ThreadPool() { Stop(); }

bool ThreadPool::try_submit(std::function<void()> task, Priority priority) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ || queue_.size() + low_queue_.size() >= max_queue_) return false;
    (priority == Priority::kLow ? low_queue_ : queue_).push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

size_t ThreadPool::queued() const {
  std::lock_guard lk(mu_);
  return queue_.size() + low_queue_.size();
}

void ThreadPool::Stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void ThreadPool::run() {
  if (options_.on_thread_start) options_.on_thread_start();
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty() || !low_queue_.empty(); });
      auto& q = !queue_.empty() ? queue_ : low_queue_;
      if (q.empty()) break;  // stopping, and everything queued has run
      task = std::move(q.front());
      q.pop_front();
    }
    task();
  }
  if (options_.on_thread_exit) options_.on_thread_exit();
}

}  // namespace claribi::exec
