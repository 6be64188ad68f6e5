// Scheduler with a clock the test moves and an in-memory report store whose
// "runs" record their time and move scheduled_through, as ReportRunner's
// write does: every-minute, hourly, monthly and @daily schedules fire once
// per time; a restart neither repeats a recorded time nor owes more than one
// catch-up run for the times it missed; an edit between two ticks is picked
// up; a run that could not be recorded is tried again; a run still in
// flight is never started twice.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace claribi::scheduler {
namespace {

// 2026-01-01T00:00:00Z, a Thursday.
constexpr int64_t kT0 = 1767225600;
constexpr int64_t kMinute = 60, kHour = 3600, kDay = 86400;

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t t) : t_(t) {}
  int64_t now() override { return t_.load(); }
  void set(int64_t t) { t_.store(t); }
  void advance(int64_t s) { t_.fetch_add(s); }

 private:
  std::atomic<int64_t> t_;
};

// Reports by id, and the runs made: (report id, scheduled time).
struct Store {
  std::mutex mu;
  std::map<uint64_t, model::Report> reports;
  std::vector<std::pair<uint64_t, int64_t>> runs;
  bool record = true;  // false: runs happen but their write fails (scheduled_through unchanged)

  void add(uint64_t id, std::string schedule, int64_t saved_at) {
    model::Report r;
    r.id = id;
    r.org_id = 1;
    r.schedule = std::move(schedule);
    r.scheduled_through = saved_at;
    std::lock_guard lk(mu);
    reports[id] = r;
  }
  Scheduler::ListFn list() {
    return [this](std::vector<model::Report>* out) {
      std::lock_guard lk(mu);
      for (auto& [id, r] : reports)
        if (!r.schedule.empty()) out->push_back(r);
      return Status::Ok();
    };
  }
  Scheduler::RunFn run() {
    return [this](const model::Report& r, int64_t t, std::function<void()> done) {
      {
        std::lock_guard lk(mu);
        runs.emplace_back(r.id, t);
        auto it = reports.find(r.id);
        if (record && it != reports.end()) it->second.scheduled_through = std::max(it->second.scheduled_through, t);
      }
      done();
    };
  }
  std::vector<int64_t> times_of(uint64_t id) {
    std::lock_guard lk(mu);
    std::vector<int64_t> out;
    for (auto& [rid, t] : runs)
      if (rid == id) out.push_back(t);
    return out;
  }
};

TEST(Scheduler, EveryMinuteFiresOncePerMinute) {
  FakeClock clock(kT0 + 30);
  Store store;
  store.add(1, "* * * * *", kT0 + 30);  // saved at 00:00:30: the first time is 00:01
  Scheduler s(clock, store.list(), store.run());
  EXPECT_EQ(s.tick(), 0u);
  clock.set(kT0 + 59);
  EXPECT_EQ(s.tick(), 0u);
  clock.set(kT0 + kMinute);
  EXPECT_EQ(s.tick(), 1u);
  clock.set(kT0 + kMinute + 40);
  EXPECT_EQ(s.tick(), 0u) << "the same minute again";
  clock.set(kT0 + 2 * kMinute + 1);
  EXPECT_EQ(s.tick(), 1u);
  clock.set(kT0 + 2 * kMinute + 2);
  EXPECT_EQ(s.tick(), 0u);
  EXPECT_EQ(store.times_of(1), (std::vector<int64_t>{kT0 + kMinute, kT0 + 2 * kMinute}));
}

TEST(Scheduler, HourlyMonthlyAndDailyFireAtTheirTimes) {
  FakeClock clock(kT0);
  Store store;
  store.add(1, "0 * * * *", kT0);    // hourly, on the hour
  store.add(2, "0 0 1 * *", kT0);    // monthly, midnight of the 1st
  store.add(3, "@daily", kT0);
  store.add(4, "30 12 * * MON", kT0);  // Mondays 12:30
  Scheduler s(clock, store.list(), store.run());
  // Every minute of three hours: three hourly runs.
  for (int64_t m = 1; m <= 180; ++m) {
    clock.set(kT0 + m * kMinute);
    s.tick();
  }
  EXPECT_EQ(store.times_of(1), (std::vector<int64_t>{kT0 + kHour, kT0 + 2 * kHour, kT0 + 3 * kHour}));
  // Then every 5 minutes for two weeks, and every hour into March.
  for (int64_t t = kT0 + 3 * kHour; t <= kT0 + 14 * kDay; t += 5 * kMinute) {
    clock.set(t);
    s.tick();
  }
  for (int64_t t = kT0 + 14 * kDay; t <= kT0 + 70 * kDay; t += kHour) {
    clock.set(t);
    s.tick();
  }
  std::vector<int64_t> daily = store.times_of(3);
  ASSERT_EQ(daily.size(), 70u);
  for (size_t i = 0; i < daily.size(); ++i) EXPECT_EQ(daily[i], kT0 + int64_t(i + 1) * kDay);
  // 2026-02-01 and 2026-03-01 (the run of 01-01 00:00 is not owed: the report was saved then).
  EXPECT_EQ(store.times_of(2), (std::vector<int64_t>{kT0 + 31 * kDay, kT0 + 59 * kDay}));
  // Mondays: Jan 5, 12, 19, 26, Feb 2, ..., Mar 9 at 12:30 (10 of them).
  std::vector<int64_t> mondays = store.times_of(4);
  ASSERT_EQ(mondays.size(), 10u);
  for (size_t i = 0; i < mondays.size(); ++i)
    EXPECT_EQ(mondays[i], kT0 + (4 + 7 * int64_t(i)) * kDay + 12 * kHour + 30 * kMinute);
}

TEST(Scheduler, ARestartRunsMissedTimesOnceAndNeverRepeatsOne) {
  FakeClock clock(kT0);
  Store store;
  store.add(1, "*/5 * * * *", kT0);
  {
    Scheduler s(clock, store.list(), store.run());
    clock.set(kT0 + 5 * kMinute);
    EXPECT_EQ(s.tick(), 1u);
  }
  {
    Scheduler again(clock, store.list(), store.run());  // restarted within the same minute
    EXPECT_EQ(again.tick(), 0u) << "a recorded time does not run twice after a restart";
  }
  clock.set(kT0 + 2 * kHour + 7 * kMinute);  // down for two hours: 24 times missed
  Scheduler later(clock, store.list(), store.run());
  EXPECT_EQ(later.tick(), 1u) << "one catch-up run, not one per missed time";
  EXPECT_EQ(store.times_of(1), (std::vector<int64_t>{kT0 + 5 * kMinute, kT0 + 2 * kHour + 5 * kMinute}))
      << "the catch-up run stands for the latest missed time";
  clock.set(kT0 + 2 * kHour + 9 * kMinute);
  EXPECT_EQ(later.tick(), 0u);
  clock.set(kT0 + 2 * kHour + 10 * kMinute);
  EXPECT_EQ(later.tick(), 1u) << "and the schedule goes on";
}

TEST(Scheduler, AnEditBetweenTwoTicksIsPickedUp) {
  FakeClock clock(kT0);
  Store store;
  store.add(1, "0 * * * *", kT0);
  store.add(2, "* * * * *", kT0);
  Scheduler s(clock, store.list(), store.run());
  clock.set(kT0 + kMinute);
  EXPECT_EQ(s.tick(), 1u);  // report 2
  // Report 1 becomes every minute (saved at 00:01:30), report 2 is deleted.
  clock.set(kT0 + kMinute + 30);
  store.add(1, "* * * * *", kT0 + kMinute + 30);
  {
    std::lock_guard lk(store.mu);
    store.reports.erase(2);
  }
  clock.set(kT0 + 2 * kMinute);
  EXPECT_EQ(s.tick(), 1u);
  EXPECT_EQ(store.times_of(1), (std::vector<int64_t>{kT0 + 2 * kMinute}));
  EXPECT_EQ(store.times_of(2), (std::vector<int64_t>{kT0 + kMinute}));
  // A schedule removed: nothing more.
  store.add(1, "", kT0 + 2 * kMinute + 10);
  clock.set(kT0 + 3 * kMinute);
  EXPECT_EQ(s.tick(), 0u);
}

TEST(Scheduler, ARunThatWasNotRecordedIsTriedAgain) {
  FakeClock clock(kT0);
  Store store;
  store.add(1, "* * * * *", kT0);
  Scheduler s(clock, store.list(), store.run());
  store.record = false;
  clock.set(kT0 + kMinute);
  EXPECT_EQ(s.tick(), 1u);
  store.record = true;
  clock.set(kT0 + 2 * kMinute);
  EXPECT_EQ(s.tick(), 1u);
  EXPECT_EQ(store.times_of(1), (std::vector<int64_t>{kT0 + kMinute, kT0 + 2 * kMinute}));
}

TEST(Scheduler, ATickWaitsForItsRunsSoNoTimeRunsTwice) {
  FakeClock clock(kT0);
  Store store;
  store.add(1, "* * * * *", kT0);
  std::vector<std::thread> finishing;
  std::atomic<int> in_flight{0}, most{0};
  Scheduler::RunFn slow = [&](const model::Report& r, int64_t t, std::function<void()> done) {
    int now = ++in_flight;
    most = std::max(most.load(), now);
    finishing.emplace_back([&, r, t, done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      store.run()(r, t, [] {});
      --in_flight;
      done();
    });
  };
  Scheduler s(clock, store.list(), slow);
  s.start(std::chrono::milliseconds(1));
  for (int m = 1; m <= 5; ++m) {
    clock.set(kT0 + m * kMinute);
    for (int i = 0; i < 400 && store.times_of(1).size() < size_t(m); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.stop();
  for (auto& t : finishing) t.join();
  EXPECT_EQ(most.load(), 1) << "the next pass starts only after the run it started was recorded";
  EXPECT_EQ(store.times_of(1).size(), 5u);
}

}  // namespace
}  // namespace claribi::scheduler
