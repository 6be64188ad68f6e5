// Exchange::hold_input: a handler that decides later (the Redis rate-limit
// check) keeps its request valid and nothing behind it parsed — pipelined
// requests and streamed body bytes wait — until it releases the input or
// finishes. The session is driven as Connection drives it (the owner below
// resumes input the way Connection does), on a reactor that is never started.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "net/http_session.h"
#include "net/reactor.h"
#include "session_driver.h"

namespace claribi::net {
namespace {

// Paths starting /hold hold the input and stay unfinished (the test finishes
// or releases them); /upload is a streamed body (held too); others answer at once.
class HoldingHandler final : public RequestHandler, public BodyConsumer {
 public:
  http::Http1Parser::BodyPolicy body_policy(const http::Request& head) const override {
    return {1 << 20, head.path == "/upload"};
  }
  void handle(Exchange& ex) override {
    handled.push_back(std::string(ex.request().path));
    if (ex.request().path.substr(0, 5) == "/hold" || ex.request().path == "/upload") {
      held = &ex;
      held_request = &ex.request();
      ex.hold_input();
      return;
    }
    answer(ex, "now");
  }
  static void answer(Exchange& ex, std::string_view body) {
    ex.response().status = 200;
    ex.response().content_type = "text/plain";
    ex.response().body = std::string(body);
    ex.finish();
  }
  bool on_body(std::string_view bytes) override {
    body += bytes;
    return true;
  }
  void on_body_end() override {
    body_ended = true;
    answer(*held, "uploaded " + std::to_string(body.size()));
  }
  void on_body_abort(http::ErrorCode, std::string_view) override {}

  std::vector<std::string> handled;
  Exchange* held = nullptr;
  const http::Request* held_request = nullptr;
  std::string body;
  bool body_ended = false;
};

class ResumingOwner final : public SessionOwner {
 public:
  void exchange_completed() override {
    if (session != nullptr && session->resume_if_below_limit()) session->process_input();
  }
  void input_resumed() override {
    if (session != nullptr && !session->backpressured()) session->process_input();
  }
  HttpSession* session = nullptr;
};

class InputHoldTest : public ::testing::Test {
 protected:
  InputHoldTest() : reactor_(0, options(), shared_, handler_, nullptr, nullptr), session_(reactor_, owner_) {
    session_.set_peer("127.0.0.1", true);
    owner_.session = &session_;
  }
  static NetOptions options() { return testing::quiet_options(); }
  void send(std::string_view raw) { testing::feed(session_, raw); }
  static std::string get(std::string_view path) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n";
  }
  size_t answers() {
    size_t n = 0;
    for (size_t at = session_.output().find("HTTP/1.1 200"); at != std::string::npos;
         at = session_.output().find("HTTP/1.1 200", at + 1))
      ++n;
    return n;
  }

  NetShared shared_;
  HoldingHandler handler_;
  ResumingOwner owner_;
  Reactor reactor_;
  HttpSession session_;
};

TEST_F(InputHoldTest, NothingBehindAHoldIsParsedUntilItFinishes) {
  send(get("/hold/a") + get("/b") + get("/c"));
  ASSERT_EQ(handler_.handled, std::vector<std::string>{"/hold/a"});
  EXPECT_TRUE(session_.backpressured());  // the transport stops reading
  EXPECT_EQ(handler_.held_request->path, "/hold/a");  // still valid after handle() returned
  HoldingHandler::answer(*handler_.held, "later");
  EXPECT_EQ(handler_.handled, (std::vector<std::string>{"/hold/a", "/b", "/c"}));
  EXPECT_FALSE(session_.backpressured());
  EXPECT_EQ(answers(), 3u);
  EXPECT_LT(session_.output().find("later"), session_.output().find("now"));  // in request order
}

TEST_F(InputHoldTest, ReleasingAnUnfinishedHoldParsesWhatWaited) {
  send(get("/hold/a") + get("/b"));
  ASSERT_EQ(handler_.handled.size(), 1u);
  Exchange* held = handler_.held;
  held->release_input();  // gone on asynchronously: the next request is parsed now
  EXPECT_EQ(handler_.handled, (std::vector<std::string>{"/hold/a", "/b"}));
  EXPECT_EQ(answers(), 0u);  // /b waits behind /hold/a's answer
  HoldingHandler::answer(*held, "later");
  EXPECT_EQ(answers(), 2u);
}

TEST_F(InputHoldTest, AHeldStreamedBodyIsReadOnlyOnceItHasAConsumer) {
  std::string body(2000, 'x');
  send("POST /upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nContent-Length: 2000\r\n\r\n" + body +
       get("/after"));
  ASSERT_EQ(handler_.handled, std::vector<std::string>{"/upload"});
  EXPECT_TRUE(handler_.body.empty());  // held: not one byte delivered (and none lost)
  handler_.held->stream_body(&handler_);
  handler_.held->release_input();
  EXPECT_EQ(handler_.body.size(), 2000u);
  EXPECT_TRUE(handler_.body_ended);
  EXPECT_EQ(handler_.handled, (std::vector<std::string>{"/upload", "/after"}));
  EXPECT_NE(session_.output().find("uploaded 2000"), std::string::npos);
  EXPECT_EQ(answers(), 2u);
}

TEST_F(InputHoldTest, AHeldUploadGets100ContinueOnlyOnceItTakesTheBody) {
  const std::string head =
      "POST /upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n";
  send(head);
  EXPECT_EQ(session_.output().find("100 Continue"), std::string::npos);  // still deciding
  EXPECT_EQ(&handler_.held->request(), handler_.held_request);  // valid while held
  handler_.held->stream_body(&handler_);
  handler_.held->release_input();
  EXPECT_EQ(session_.output().find("HTTP/1.1 100 Continue"), 0u);
  send("hello");
  EXPECT_NE(session_.output().find("uploaded 5"), std::string::npos);
}

TEST_F(InputHoldTest, AHeldUploadRefusedGetsNo100Continue) {
  send("POST /upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nContent-Length: 5\r\n"
       "Expect: 100-continue\r\n\r\n");
  Exchange* held = handler_.held;
  held->response().status = 429;
  held->response().content_type = "text/plain";
  held->response().body = "slow down";
  held->finish();
  EXPECT_EQ(session_.output().find("100 Continue"), std::string::npos);
  EXPECT_EQ(session_.output().find("HTTP/1.1 429"), 0u);
}

TEST_F(InputHoldTest, AFinishFlagTellsWhetherAHandlerFinished) {
  send(get("/hold/a"));
  bool finished = false;
  handler_.held->set_finish_flag(&finished);
  HoldingHandler::answer(*handler_.held, "done");
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace claribi::net
