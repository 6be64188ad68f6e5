// Scheduler (see scheduler.h).
#include "scheduler/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "common/time_util.h"
#include "model/cron.h"

namespace claribi::scheduler {

int64_t SystemClock::now() { return unix_now(); }

Scheduler::~Scheduler() { stop(); }

size_t Scheduler::tick() {
  const int64_t now = clock_.now();
  const int64_t minute = now >= 0 ? now / 60 : (now - 59) / 60;
  if (minute == last_minute_) return 0;
  std::vector<model::Report> reports;
  if (Status st = list_(&reports); !st.ok()) {
    std::fprintf(stderr, "scheduler: reports could not be listed: %s\n", st.message().c_str());
    return 0;  // tried again at the next pass
  }
  last_minute_ = minute;

  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
  };
  auto pending = std::make_shared<Pending>();
  size_t started = 0;
  for (const model::Report& r : reports) {
    model::CronSchedule cron;
    if (r.schedule.empty() || !model::parse_cron(r.schedule, &cron, nullptr)) continue;
    int64_t due = model::next_cron_time(cron, r.scheduled_through);
    if (due == 0 || due > now) continue;
    // Missed times (the server was down): one run, for the latest of them.
    for (int64_t next; (next = model::next_cron_time(cron, due)) != 0 && next <= now;) due = next;
    {
      std::lock_guard lk(pending->mu);
      ++pending->left;
    }
    ++started;
    runs_started_.fetch_add(1, std::memory_order_relaxed);
    run_(r, due, [pending] {
      std::lock_guard lk(pending->mu);
      if (--pending->left == 0) pending->cv.notify_all();
    });
  }
  std::unique_lock lk(pending->mu);
  pending->cv.wait(lk, [&] { return pending->left == 0; });
  return started;
}

namespace {
// Until just past the next minute boundary of the real clock, at most
// `poll`: a scheduled time starts within milliseconds of it, and a clock
// that jumps is noticed within `poll`.
std::chrono::milliseconds until_next_minute(std::chrono::milliseconds poll) {
  using namespace std::chrono;
  const int64_t ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const int64_t left = 60'000 - ((ms % 60'000) + 60'000) % 60'000 + 2;  // +2: past it, not just before
  return std::min(poll, milliseconds(left));
}
}  // namespace

void Scheduler::start(std::chrono::milliseconds poll) {
  thread_ = std::thread([this, poll] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      tick();
      lk.lock();
      cv_.wait_for(lk, until_next_minute(poll), [this] { return stopping_; });
    }
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace claribi::scheduler
