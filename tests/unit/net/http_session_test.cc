// HttpSession with a body sent in parts (http::BodySource): chunked framing,
// Content-Length when the body fits one part or the client cannot take
// chunks (HTTP/1.0, HEAD), order with pipelined requests behind a long body,
// and a session closed mid-body. A session is driven as Connection drives
// it, on a reactor that is never started.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "http/body_source.h"
#include "net/http_session.h"
#include "net/reactor.h"
#include "session_driver.h"

namespace claribi::net {
namespace {

// "/big/N" answers N bytes (a repeating pattern) through a PartsBody of
// three parts; anything else answers "small" as a plain body.
class StreamingHandler final : public RequestHandler {
 public:
  http::Http1Parser::BodyPolicy body_policy(const http::Request&) const override { return {1024, false}; }
  void handle(Exchange& ex) override {
    std::string_view path = ex.request().path;
    http::Response& r = ex.response();
    r.status = 200;
    r.content_type = "text/plain";
    if (path.substr(0, 5) == "/big/") {
      size_t n = std::stoul(std::string(path.substr(5)));
      std::string all = pattern(n);
      auto body = std::make_unique<http::PartsBody>();
      body->add(all.substr(0, n / 3)).add(all.substr(n / 3, n / 3)).add(all.substr(2 * (n / 3)));
      r.stream = std::move(body);
    } else {
      r.body = "small";
    }
    ex.finish();
  }
  static std::string pattern(size_t n) {
    std::string s(n, ' ');
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + (i * 7 + i / 26) % 26);
    return s;
  }
};

class Owner final : public SessionOwner {
 public:
  void exchange_completed() override {}
  void input_resumed() override {}
};

class HttpSessionStreamTest : public ::testing::Test {
 protected:
  HttpSessionStreamTest() : reactor_(0, options(), shared_, handler_, nullptr, nullptr), session_(reactor_, owner_) {
    session_.set_peer("127.0.0.1", true);
  }
  static NetOptions options() { return testing::quiet_options(); }
  void send(std::string_view raw) { testing::feed(session_, raw); }
  // Everything the transport would write, pulling parts `budget` at a time;
  // the number of pulls in *pulls.
  std::string drain(size_t budget, int* pulls = nullptr) {
    std::string out = std::move(session_.output());
    session_.output().clear();
    int n = 0;
    while (session_.sending_body()) {
      session_.produce_body(budget);
      out += session_.output();
      session_.output().clear();
      ++n;
    }
    if (pulls != nullptr) *pulls = n;
    return out;
  }
  static std::string get(std::string_view path, std::string_view version = "HTTP/1.1",
                         std::string_view method = "GET") {
    return std::string(method) + " " + std::string(path) + " " + std::string(version) +
           "\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n";
  }

  NetShared shared_;
  StreamingHandler handler_;
  Owner owner_;
  Reactor reactor_;
  HttpSession session_;
};

// Splits one response off the front of `wire`: its head, and its body
// (de-chunked when chunked). Fails the test on bad framing.
struct Parsed {
  std::string head, body;
  bool chunked = false;
};
Parsed take_response(std::string& wire) {
  Parsed p;
  size_t end = wire.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos) << wire.substr(0, 200);
  if (end == std::string::npos) return p;
  p.head = wire.substr(0, end + 2);
  size_t pos = end + 4;
  p.chunked = p.head.find("Transfer-Encoding: chunked\r\n") != std::string::npos;
  if (p.chunked) {
    for (;;) {
      size_t line = wire.find("\r\n", pos);
      EXPECT_NE(line, std::string::npos);
      if (line == std::string::npos) return p;
      size_t size = std::stoul(wire.substr(pos, line - pos), nullptr, 16);
      pos = line + 2;
      if (size == 0) {
        EXPECT_EQ(wire.substr(pos, 2), "\r\n");  // no trailers
        pos += 2;
        break;
      }
      p.body += wire.substr(pos, size);
      pos += size;
      EXPECT_EQ(wire.substr(pos, 2), "\r\n");
      pos += 2;
    }
  } else {
    size_t cl = p.head.find("Content-Length: ");
    EXPECT_NE(cl, std::string::npos) << p.head;
    size_t n = cl == std::string::npos ? 0 : std::stoul(p.head.substr(cl + 16));
    if (p.head.find("HEAD") == std::string::npos) p.body = wire.substr(pos, n);
    pos += p.body.size();
  }
  wire.erase(0, pos);
  return p;
}

TEST_F(HttpSessionStreamTest, LargeBodyGoesOutChunkedAndWhole) {
  send(get("/big/1000000"));
  int pulls = 0;
  std::string wire = drain(128 * 1024, &pulls);
  EXPECT_GT(pulls, 4) << "the body should come out over several pulls";
  Parsed r = take_response(wire);
  EXPECT_TRUE(r.chunked) << r.head;
  EXPECT_EQ(r.head.find("Content-Length"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, StreamingHandler::pattern(1000000));
  EXPECT_TRUE(wire.empty());
  EXPECT_FALSE(session_.has_unanswered());
}

TEST_F(HttpSessionStreamTest, PipelinedRequestsWaitBehindABodyInParts) {
  send(get("/big/300000") + get("/small") + get("/big/200000") + get("/small"));
  std::string wire = drain(64 * 1024);
  Parsed a = take_response(wire), b = take_response(wire), c = take_response(wire), d = take_response(wire);
  EXPECT_EQ(a.body, StreamingHandler::pattern(300000));
  EXPECT_EQ(b.body, "small");
  EXPECT_EQ(c.body, StreamingHandler::pattern(200000));
  EXPECT_EQ(d.body, "small");
  EXPECT_TRUE(wire.empty());
}

TEST_F(HttpSessionStreamTest, BodyThatFitsOnePartHasContentLength) {
  send(get("/big/1000"));
  int pulls = 0;
  std::string wire = drain(64 * 1024, &pulls);
  EXPECT_EQ(pulls, 0);
  Parsed r = take_response(wire);
  EXPECT_FALSE(r.chunked);
  EXPECT_NE(r.head.find("Content-Length: 1000\r\n"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, StreamingHandler::pattern(1000));
}

TEST_F(HttpSessionStreamTest, Http10AndHeadGetTheLengthNotChunks) {
  send(get("/big/200000", "HTTP/1.0"));
  std::string wire = drain(64 * 1024);
  Parsed r = take_response(wire);
  EXPECT_FALSE(r.chunked) << r.head;
  EXPECT_NE(r.head.find("Content-Length: 200000\r\n"), std::string::npos) << r.head;
  EXPECT_EQ(r.body, StreamingHandler::pattern(200000));

  HttpSession head_session(reactor_, owner_);
  head_session.set_peer("127.0.0.1", true);
  std::string raw = get("/big/200000", "HTTP/1.1", "HEAD");
  size_t avail = 0;
  char* p = head_session.write_ptr(&avail);
  raw.copy(p, raw.size());
  head_session.commit(raw.size());
  head_session.process_input();
  EXPECT_FALSE(head_session.sending_body());
  std::string head = head_session.output();
  EXPECT_NE(head.find("Content-Length: 200000\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.size(), head.find("\r\n\r\n") + 4) << "HEAD carries no body";
}

TEST_F(HttpSessionStreamTest, ClosingMidBodyReleasesIt) {
  send(get("/big/1000000") + get("/small"));
  session_.produce_body(64 * 1024);
  EXPECT_TRUE(session_.sending_body());
  session_.close();  // the client went away: nothing leaks, nothing more is produced
  EXPECT_FALSE(session_.sending_body());
  EXPECT_EQ(session_.outstanding(), 0);
}

}  // namespace
}  // namespace claribi::net
