// GET /api/health/ through the whole in-process request path: 200 while
// serving, 503 with the §3 body while starting and while draining — what a
// load balancer takes a node out of rotation on. (Storage that cannot write
// is the third 503; RocksDB's write stop is not something a test can cause
// without breaking the database, so it is covered by reading the code path:
// App's storage_problem.)
#include <gtest/gtest.h>

#include <string>

#include "api/api_context.h"
#include "support/in_process_server.h"

namespace claribi::testing {
namespace {

const std::string kHealth =
    "GET /api/health/ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n\r\n";

TEST(Health, AnswersOkWhileServingAndUnavailableWhileStartingOrDraining) {
  auto s = InProcessServer::start();
  ASSERT_TRUE(s.ok()) << s.status().message();
  InProcessServer& server = **s;
  auto c = server.connect();
  api::ServingState& state = server.app().serving();

  std::string answer(c->send(kHealth));
  EXPECT_EQ(response_status(answer), 200) << answer;
  EXPECT_EQ(response_body(answer), "{\"status\":\"ok\"}");

  state.ready.store(false);
  answer = c->send(kHealth);
  EXPECT_EQ(response_status(answer), 503) << answer;
  EXPECT_NE(answer.find("\"error\":\"unavailable\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("starting"), std::string::npos) << answer;

  state.ready.store(true);
  state.draining.store(true);
  answer = c->send(kHealth);
  EXPECT_EQ(response_status(answer), 503) << answer;
  EXPECT_NE(answer.find("shutting down"), std::string::npos) << answer;
}

}  // namespace
}  // namespace claribi::testing
