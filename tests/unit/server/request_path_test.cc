// The per-request path of issue 6, run in process through the code the
// server runs (HttpSession → pipeline → serialize): answers are right, and
// after a warm-up the hot requests — GET /api/auth/status/ with a JWT or an
// API key, alone or pipelined — allocate nothing on the serving thread.
// The limiter, credential checks and rendering all run; only the socket is
// missing (the TLS records are measured on the real server: bench/RESULTS.md).
#include <gtest/gtest.h>

#include <string>

#include "support/alloc_counter.h"
#include "support/in_process_server.h"

namespace claribi::testing {
namespace {

class RequestPathTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    InProcessOptions o;
    o.jwt_per_minute = 1'000'000;
    o.api_key_per_minute = 1'000'000;
    auto s = InProcessServer::start(o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s.value()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  std::string status_request_jwt() const {
    return "GET /api/auth/status/ HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: wrk\r\n"
           "Accept: application/json\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.9\r\n"
           "Authorization: Bearer " +
           server_->access_token() + "\r\n\r\n";
  }
  std::string status_request_key() const {
    return "GET /api/auth/status/ HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: wrk\r\n"
           "Accept: application/json\r\nX-Forwarded-Proto: https\r\nX-API-Key: " +
           server_->api_key() + "\r\n\r\n";
  }

  // Allocations on this thread per request, over `n` sends after a warm-up.
  double allocations_per_send(InProcessClient& c, const std::string& raw, int n) {
    for (int i = 0; i < 64; ++i) c.send(raw);  // pools, buffers, limiter slots
    uint64_t before = thread_allocations();
    for (int i = 0; i < n; ++i) {
      std::string_view answer = c.send(raw);
      if (response_status(answer) != 200) {
        ADD_FAILURE() << answer;
        break;
      }
    }
    return double(thread_allocations() - before) / n;
  }

  static InProcessServer* server_;
};
InProcessServer* RequestPathTest::server_ = nullptr;

TEST_F(RequestPathTest, StatusWithJwtAnswersTheAdministrator) {
  auto c = server_->connect();
  std::string_view answer = c->send(status_request_jwt());
  ASSERT_EQ(response_status(answer), 200) << answer;
  EXPECT_NE(answer.find("Content-Type: application/json\r\n"), std::string_view::npos);
  EXPECT_NE(answer.find("X-RateLimit-Limit: 1000000\r\n"), std::string_view::npos) << answer;
  std::string_view body = response_body(answer);
  EXPECT_EQ(json_string_field(body, "email"), server_->admin_email()) << body;
  EXPECT_NE(body.find("\"auth\":{\"method\":\"jwt\""), std::string_view::npos) << body;
}

TEST_F(RequestPathTest, StatusWithApiKeyAnswersTheKeysOwner) {
  auto c = server_->connect();
  std::string_view answer = c->send(status_request_key());
  ASSERT_EQ(response_status(answer), 200) << answer;
  std::string_view body = response_body(answer);
  EXPECT_EQ(json_string_field(body, "email"), server_->admin_email()) << body;
  EXPECT_NE(body.find("\"auth\":{\"method\":\"api_key\""), std::string_view::npos) << body;
}

TEST_F(RequestPathTest, PlainHttpFromAnUntrustedPeerIsRefused) {
  auto c = server_->connect("198.51.100.7", false);
  std::string_view answer = c->send(status_request_jwt());
  EXPECT_EQ(response_status(answer), 403) << answer;
  EXPECT_NE(answer.find("https_required"), std::string_view::npos) << answer;
}

TEST_F(RequestPathTest, PipelinedRequestsAreAnsweredInOrderInOneOutput) {
  auto c = server_->connect();
  std::string raw = status_request_jwt() + status_request_key() + status_request_jwt();
  std::string answer(c->send(raw));
  size_t first = answer.find("\"auth\":{\"method\":\"jwt\"");
  size_t second = answer.find("\"auth\":{\"method\":\"api_key\"");
  size_t third = answer.find("\"auth\":{\"method\":\"jwt\"", second);
  ASSERT_NE(first, std::string::npos) << answer;
  ASSERT_NE(second, std::string::npos) << answer;
  ASSERT_NE(third, std::string::npos) << answer;
  EXPECT_LT(first, second);
}

TEST_F(RequestPathTest, StatusWithJwtAllocatesNothingPerRequest) {
  auto c = server_->connect();
  EXPECT_EQ(allocations_per_send(*c, status_request_jwt(), 2000), 0.0)
      << (counts_malloc() ? "operator new and malloc counted" : "operator new counted");
}

TEST_F(RequestPathTest, StatusWithApiKeyAllocatesNothingPerRequest) {
  auto c = server_->connect();
  EXPECT_EQ(allocations_per_send(*c, status_request_key(), 2000), 0.0);
}

TEST_F(RequestPathTest, PipelinedStatusRequestsAllocateNothing) {
  auto c = server_->connect();
  std::string raw;
  for (int i = 0; i < 8; ++i) raw += i % 2 ? status_request_key() : status_request_jwt();
  EXPECT_EQ(allocations_per_send(*c, raw, 500), 0.0);
}

}  // namespace
}  // namespace claribi::testing
