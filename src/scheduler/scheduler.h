// Scheduler: fires reports' schedules (API.md §10). One thread, driven by a
// Clock it is given (tests pass one they move by hand), asks once a minute
// for the reports that have a schedule and runs each whose next scheduled
// time — the first after its scheduled_through — has come. The run's own
// durable write moves scheduled_through to that time, so:
//   - each scheduled time runs once: a report is not run again until its
//     previous run is recorded (a tick waits for the runs it started), and a
//     restart reads the same scheduled_through (not twice after a restart);
//   - a time missed while the server was down runs once at start-up: the run
//     stands for the latest missed time, so the missed ones in between are
//     passed over (one catch-up run, not one per missed tick);
//   - an edit that changes the schedule restarts it from the save
//     (api/reports.cc), and a deleted report is simply no longer listed;
//   - a failed run is recorded like any run and the next time goes on.
// The model/cron arithmetic is in UTC. Runs go through the ReportRunner
// with the scheduled trigger (the query pool's low priority).
#pragma once

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "model/resources.h"

namespace claribi::scheduler {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() = 0;  // Unix seconds
};

class SystemClock final : public Clock {
 public:
  int64_t now() override;
};

class Scheduler {
 public:
  // Every report that has a schedule, as stored (durable versions).
  using ListFn = std::function<Status(std::vector<model::Report>* out)>;
  // Runs `report` for `scheduled_time`; `done` once the run is recorded (or
  // could not be). May call done on any thread.
  using RunFn = std::function<void(const model::Report& report, int64_t scheduled_time, std::function<void()> done)>;

  Scheduler(Clock& clock, ListFn list, RunFn run) : clock_(clock), list_(std::move(list)), run_(std::move(run)) {}
  ~Scheduler();  // stop()

  // One pass at clock.now(): runs what is due and returns once those runs
  // are done; the number of runs started. Within one clock minute only the
  // first pass looks (cron has minute resolution). Not concurrently with
  // itself (the thread calls it; tests call it without a thread).
  size_t tick();

  // The thread: tick(), then wait `poll` — cut short to end just past the
  // next minute boundary of the real clock — or until stop(), again.
  void start(std::chrono::milliseconds poll = std::chrono::milliseconds(1000));
  void stop();

  // Scheduled runs started so far (the metrics listener reads it).
  uint64_t runs_started() const { return runs_started_.load(std::memory_order_relaxed); }

 private:
  Clock& clock_;
  ListFn list_;
  RunFn run_;
  int64_t last_minute_ = INT64_MIN;
  std::atomic<uint64_t> runs_started_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace claribi::scheduler
