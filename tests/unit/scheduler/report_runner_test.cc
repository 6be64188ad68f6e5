// ReportRunner's records of runs and deliveries, on the whole server in
// process (server::App: RocksDB in a scratch directory, the query pool, the
// group-commit writer): a scheduled run that will be e-mailed is recorded
// "pending" with its result and found again by pending_deliveries (what
// start-up resumes); a recorded attempt changes its delivery and keeps the
// result; a delivery recorded for a run that was trimmed or deleted with
// its report writes nothing.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "common/time_util.h"
#include "support/in_process_server.h"

namespace claribi::testing {
namespace {

class ReportRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = InProcessServer::start();
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s.value());
    client_ = server_->connect();
    std::string_view answer = post("/api/data-sources/", "application/json", R"({"name":"t","type":"upload"})");
    ASSERT_EQ(response_status(answer), 201) << answer;
    ds_ = std::stoull(json_number_field(answer, "id"));
    answer = post("/api/data-sources/" + std::to_string(ds_) + "/rows/", "text/csv", "region,n\nEU,1\nUS,2\n");
    ASSERT_EQ(response_status(answer), 201) << answer;
    report_ = create_report();
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  std::string_view post(const std::string& path, std::string_view type, std::string_view body) {
    std::string raw = "POST " + path + " HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nAuthorization: Bearer " +
                      server_->access_token() + "\r\nContent-Type: " + std::string(type) +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    return client_->send(raw);
  }
  static std::string json_number_field(std::string_view answer, std::string_view name) {
    std::string_view body = response_body(answer);
    size_t at = body.find("\"" + std::string(name) + "\":");
    if (at == std::string_view::npos) return "0";
    at += name.size() + 3;
    size_t end = body.find_first_of(",}", at);
    return std::string(body.substr(at, end - at));
  }
  model::Report create_report() {
    std::string body = R"({"name":"R","recipients":["ops@example.com"],"format":"csv","query":{"data_source_id":)" +
                       std::to_string(ds_) + R"(,"metrics":[{"op":"sum","field":"n"}],"dimensions":["region"]}})";
    std::string_view answer = post("/api/reports/", "application/json", body);
    EXPECT_EQ(response_status(answer), 201) << answer;
    model::Report r;
    EXPECT_TRUE(
        ctx().resources.reports.read(server_->org_id(), std::stoull(json_number_field(answer, "id")), &r).ok());
    return r;
  }
  api::ApiContext& ctx() { return server_->app().context(); }

  // Runs the report as the scheduler does (to be e-mailed) and waits.
  scheduler::RunAnswer run_scheduled(const model::Report& r) {
    std::promise<scheduler::RunAnswer> p;
    auto f = p.get_future();
    ctx().runner.run(
        r, model::RunTrigger::kSchedule, unix_now(), [&p](scheduler::RunAnswer a) { p.set_value(std::move(a)); },
        unix_now(), true);
    return f.get();
  }
  std::vector<model::ReportRun> owed() {
    std::vector<model::ReportRun> out;
    Status st = ctx().runner.pending_deliveries([&](const model::Report&, model::ReportRun run) {
      out.push_back(std::move(run));
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }
  // Lets the writer commit what was queued (a delivery record has no callback).
  void settle(const model::Report& r) {
    std::promise<void> p;
    ctx().resources.reports.update(
        r.org_id, r.id, resources::ResourceService<model::Report>::kKeepUpdatedAt, [](model::Report&) {},
        [&p](resources::WriteResult) { p.set_value(); });
    p.get_future().wait();
  }
  int runs_listed(const model::Report& r) {
    int n = 0;
    EXPECT_TRUE(ctx().resources.store().ForEachRun(r.org_id, r.id, [&n](const model::ReportRun&) {
      ++n;
      return true;
    }).ok());
    return n;
  }

  std::unique_ptr<InProcessServer> server_;
  std::unique_ptr<InProcessClient> client_;
  uint64_t ds_ = 0;
  model::Report report_;
};

TEST_F(ReportRunnerTest, AScheduledRunToBeMailedIsOwedWithItsResultUntilAnAttemptEndsIt) {
  scheduler::RunAnswer a = run_scheduled(report_);
  ASSERT_TRUE(a.recorded);
  std::vector<model::ReportRun> runs = owed();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, a.run_id);
  EXPECT_EQ(runs[0].result, "region,sum_n\r\nEU,1\r\nUS,2\r\n");

  ctx().runner.record_delivery(runs[0], model::DeliveryStatus::kPending, 1, "curl: (7) refused");
  settle(report_);
  runs = owed();
  ASSERT_EQ(runs.size(), 1u) << "a failed attempt with more to come stays owed";
  EXPECT_EQ(runs[0].delivery_attempts, 1u);
  EXPECT_EQ(runs[0].result, "region,sum_n\r\nEU,1\r\nUS,2\r\n") << "the result stays";

  ctx().runner.record_delivery(runs[0], model::DeliveryStatus::kSent, 2, "");
  settle(report_);
  EXPECT_TRUE(owed().empty());
  model::ReportRun stored;
  ASSERT_TRUE(ctx().resources.store().GetRun(report_.org_id, report_.id, a.run_id, &stored).ok());
  EXPECT_EQ(stored.delivery, model::DeliveryStatus::kSent);
  EXPECT_EQ(stored.delivery_attempts, 2u);
  EXPECT_EQ(stored.result, "region,sum_n\r\nEU,1\r\nUS,2\r\n");
}

TEST_F(ReportRunnerTest, ADeliveryNeverBringsBackATrimmedRun) {
  scheduler::RunAnswer first = run_scheduled(report_);
  ASSERT_TRUE(first.recorded);
  const size_t keep = ctx().runner.keep_runs();
  for (size_t i = 0; i < keep; ++i) ASSERT_TRUE(run_scheduled(report_).recorded);
  model::ReportRun gone;
  ASSERT_EQ(ctx().resources.store().GetRun(report_.org_id, report_.id, first.run_id, &gone).code(),
            StatusCode::kNotFound)
      << "the oldest run is trimmed";
  ASSERT_EQ(runs_listed(report_), int(keep));

  ctx().runner.record_delivery(first.run, model::DeliveryStatus::kSent, 1, "");
  settle(report_);
  EXPECT_EQ(ctx().resources.store().GetRun(report_.org_id, report_.id, first.run_id, &gone).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(runs_listed(report_), int(keep));
}

TEST_F(ReportRunnerTest, ADeliveryNeverBringsBackARunOfADeletedReport) {
  scheduler::RunAnswer a = run_scheduled(report_);
  ASSERT_TRUE(a.recorded);
  std::string del = "DELETE /api/reports/" + std::to_string(report_.id) +
                    "/ HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nAuthorization: Bearer " +
                    server_->access_token() + "\r\n\r\n";
  std::string_view answer = client_->send(del);
  ASSERT_EQ(response_status(answer), 204) << answer;

  ctx().runner.record_delivery(a.run, model::DeliveryStatus::kSent, 1, "");
  model::Report other = create_report();  // a write behind the delivery's, if it had been queued
  settle(other);
  model::ReportRun gone;
  EXPECT_EQ(ctx().resources.store().GetRun(report_.org_id, report_.id, a.run_id, &gone).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(runs_listed(report_), 0);
  EXPECT_TRUE(owed().empty());
}

}  // namespace
}  // namespace claribi::testing
