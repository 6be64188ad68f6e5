#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "http/http1_parser.h"

namespace claribi::http {
namespace {

void feed(Http1Parser& p, std::string_view bytes) {
  while (!bytes.empty()) {
    size_t avail = 0;
    char* dst = p.write_ptr(&avail);
    size_t n = std::min(avail, bytes.size());
    std::memcpy(dst, bytes.data(), n);
    p.commit(n);
    bytes.remove_prefix(n);
  }
}

TEST(Http1Parser, SimpleRequestWithViews) {
  Http1Parser p({});
  feed(p, "GET /api/x/?page=2&q=a HTTP/1.1\r\nHost: h\r\nX-Api-Key:  abc \r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  const Request& r = p.request();
  EXPECT_EQ(r.method, Method::kGet);
  EXPECT_EQ(r.path, "/api/x/");
  EXPECT_EQ(r.query, "page=2&q=a");
  EXPECT_EQ(r.header("x-api-key"), "abc");
  EXPECT_EQ(r.header("HOST"), "h");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
}

TEST(Http1Parser, PipelinedRequestsComeOutInOrder) {
  Http1Parser p({});
  feed(p, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().path, "/a");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().path, "/b");
  EXPECT_EQ(p.request().body, "xyz");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().path, "/c");
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
}

TEST(Http1Parser, ByteAtATimeSurvivesCompaction) {
  Http1Parser p({});
  std::string req = "POST /api/login/ HTTP/1.1\r\nHost: example\r\nContent-Type: application/json\r\n"
                    "Content-Length: 13\r\n\r\n{\"a\":\"bcdef\"}";
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < req.size(); ++i) {
      feed(p, std::string_view(&req[i], 1));
      auto st = p.next();
      if (i + 1 < req.size()) {
        ASSERT_EQ(st, Http1Parser::State::kNeedMore) << i;
      } else {
        ASSERT_EQ(st, Http1Parser::State::kRequest);
      }
    }
    EXPECT_EQ(p.request().path, "/api/login/");
    EXPECT_EQ(p.request().header("content-type"), "application/json");
    EXPECT_EQ(p.request().body, "{\"a\":\"bcdef\"}");
    EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
  }
}

TEST(Http1Parser, ChunkedBody) {
  Http1Parser p({});
  feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().body, "abcde");
}

TEST(Http1Parser, HeadTooLarge) {
  Http1Parser::Limits limits;
  limits.max_head_bytes = 1024;
  Http1Parser p(limits);
  feed(p, "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a'));
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kRequestHeaderFieldsTooLarge);
}

TEST(Http1Parser, RequestLineTooLarge) {
  Http1Parser::Limits limits;
  limits.max_head_bytes = 1024;
  Http1Parser p(limits);
  feed(p, "GET /" + std::string(3000, 'a'));
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kRequestHeaderFieldsTooLarge);
}

TEST(Http1Parser, TooManyHeaders) {
  Http1Parser p({});
  std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < kMaxHeaders + 1; ++i) req += "H" + std::to_string(i) + ": v\r\n";
  feed(p, req + "\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kRequestHeaderFieldsTooLarge);
}

TEST(Http1Parser, ContentLengthOverLimitIsRejectedAtHead) {
  Http1Parser::Limits limits;
  limits.max_body_bytes = 100;
  Http1Parser p(limits);
  feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kPayloadTooLarge);
}

TEST(Http1Parser, ChunkedOverLimit) {
  Http1Parser::Limits limits;
  limits.max_body_bytes = 4;
  Http1Parser p(limits);
  feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kPayloadTooLarge);
}

TEST(Http1Parser, BodyLimitPerRequest) {
  Http1Parser::Limits limits;
  limits.max_body_bytes = 4;
  Http1Parser p(limits, [](const Request& head) {
    return Http1Parser::BodyPolicy{head.path == "/upload" ? size_t(100) : size_t(4), false};
  });
  feed(p, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().body.size(), 10u);
}

TEST(Http1Parser, ExpectContinueOnce) {
  Http1Parser p({});
  feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
  EXPECT_TRUE(p.take_expect_continue());
  EXPECT_FALSE(p.take_expect_continue());
  feed(p, "ok");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().body, "ok");
}

TEST(Http1Parser, Http10KeepAlive) {
  Http1Parser p({});
  feed(p, "GET /x HTTP/1.0\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_FALSE(p.request().keep_alive);
  Http1Parser q({});
  feed(q, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_EQ(q.next(), Http1Parser::State::kRequest);
  EXPECT_TRUE(q.request().keep_alive);
}

TEST(Http1Parser, GarbageIsBadRequest) {
  Http1Parser p({});
  feed(p, "\x16\x03\x01 hello\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kBadRequest);
}

TEST(Http1Parser, BodyHasPaddingForSimdjson) {
  Http1Parser p({});
  feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  const char* end = p.request().body.data() + p.request().body.size();
  // Reading kBodyPadding bytes past the end must stay inside the buffer
  // (ASan builds check this read).
  volatile char sum = 0;
  for (size_t i = 0; i < kBodyPadding; ++i) sum = char(sum + end[i]);
  (void)sum;
}

// A sink that keeps what it is given.
struct CollectingSink : Http1Parser::BodySink {
  std::string bytes;
  int ends = 0;
  void on_body_bytes(std::string_view b) override { bytes.append(b); }
  void on_body_end() override { ++ends; }
};

Http1Parser streaming_parser(size_t limit = 1 << 20) {
  Http1Parser::Limits limits;
  limits.max_body_bytes = 4;  // buffered bodies stay small; streamed ones may be large
  return Http1Parser(limits, [limit](const Request& head) {
    return Http1Parser::BodyPolicy{head.path == "/rows" ? limit : size_t(4), head.path == "/rows"};
  });
}

TEST(Http1Parser, StreamedBodyGoesToTheSinkAndTheNextRequestFollows) {
  Http1Parser p = streaming_parser();
  feed(p, "POST /rows HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123");
  ASSERT_EQ(p.next(), Http1Parser::State::kStreamHead);
  EXPECT_EQ(p.request().path, "/rows");
  EXPECT_TRUE(p.request().body.empty());
  CollectingSink sink;
  p.stream_body(&sink);
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
  EXPECT_EQ(sink.bytes, "0123");
  feed(p, "456789GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(sink.bytes, "0123456789");
  EXPECT_EQ(sink.ends, 1);
  EXPECT_FALSE(p.streaming());
  EXPECT_EQ(p.request().path, "/x");
}

TEST(Http1Parser, StreamedChunkedBodyIsDechunkedAndBounded) {
  Http1Parser p = streaming_parser(8);
  feed(p, "POST /rows HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kStreamHead);
  CollectingSink sink;
  p.stream_body(&sink);
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
  feed(p, "4\r\ndefg\r\n0\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kNeedMore);
  EXPECT_EQ(sink.bytes, "abcdefg");
  EXPECT_EQ(sink.ends, 1);
  // Over the streamed limit: an error, and the sink never sees the end.
  Http1Parser q = streaming_parser(8);
  feed(q, "POST /rows HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n");
  ASSERT_EQ(q.next(), Http1Parser::State::kStreamHead);
  CollectingSink s2;
  q.stream_body(&s2);
  EXPECT_EQ(q.next(), Http1Parser::State::kError);
  EXPECT_EQ(q.error(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(s2.ends, 0);
}

TEST(Http1Parser, StreamedBodyOverTheLimitIsRefusedAtTheHead) {
  Http1Parser p = streaming_parser(8);
  feed(p, "POST /rows HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n");
  EXPECT_EQ(p.next(), Http1Parser::State::kError);
  EXPECT_EQ(p.error(), ErrorCode::kPayloadTooLarge);
}

TEST(Http1Parser, RefusedStreamParsesNothingMore) {
  Http1Parser p = streaming_parser();
  feed(p, "POST /rows HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kStreamHead);
  p.stream_body(nullptr);
  EXPECT_EQ(p.next(), Http1Parser::State::kError);  // the body is never taken for a request
}

TEST(Http1Parser, LargeStreamedBodyKeepsTheBufferSmall) {
  Http1Parser p = streaming_parser(size_t(64) << 20);
  feed(p, "POST /rows HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kStreamHead);
  struct CountingSink : Http1Parser::BodySink {
    size_t bytes = 0;
    int ends = 0;
    void on_body_bytes(std::string_view b) override { bytes += b.size(); }
    void on_body_end() override { ++ends; }
  } sink;
  p.stream_body(&sink);
  size_t sent = 0, max_avail = 0;
  while (sent < (size_t(32) << 20)) {
    size_t avail = 0;
    char* w = p.write_ptr(&avail);
    max_avail = std::max(max_avail, avail);
    size_t n = std::min(avail, (size_t(32) << 20) - sent);
    std::memset(w, 'x', n);
    p.commit(n);
    sent += n;
    p.next();
  }
  EXPECT_EQ(sink.bytes, size_t(32) << 20);
  EXPECT_EQ(sink.ends, 1);
  EXPECT_LE(max_avail, size_t(512) << 10);  // never the whole body
}

// Issue 15, defects 2-5 (RFC 9112): field names are tokens; exactly one
// Host in HTTP/1.1; absolute-form targets are served by their path; the
// header count limit is far above what clients send.
TEST(Http1Parser, FieldNameWithASpaceIsRefused) {
  for (const char* bad : {"X Foo: bar\r\n", "Authorization : Bearer abc\r\n", "Host : x\r\n"}) {
    Http1Parser p({});
    feed(p, std::string("GET /x HTTP/1.1\r\nHost: x\r\n") + bad + "\r\n");
    EXPECT_EQ(p.next(), Http1Parser::State::kError) << bad;
    EXPECT_EQ(p.error(), ErrorCode::kBadRequest) << bad;
  }
}

TEST(Http1Parser, Http11NeedsExactlyOneHost) {
  Http1Parser none({});
  feed(none, "GET /x HTTP/1.1\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(none.next(), Http1Parser::State::kError);
  EXPECT_EQ(none.error(), ErrorCode::kBadRequest);
  Http1Parser two({});
  feed(two, "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(two.next(), Http1Parser::State::kError);
  EXPECT_EQ(two.error(), ErrorCode::kBadRequest);
  Http1Parser old({});
  feed(old, "GET /x HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.next(), Http1Parser::State::kRequest) << "HTTP/1.0 may leave Host out";
}

TEST(Http1Parser, AbsoluteFormTargetIsServedByItsPath) {
  Http1Parser p({});
  feed(p, "GET https://localhost:8443/api/auth/status/?a=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
          "GET HTTP://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().path, "/api/auth/status/");
  EXPECT_EQ(p.request().query, "a=1");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().path, "/");
}

TEST(Http1Parser, SixtyFiveSmallHeadersAreFine) {
  Http1Parser p({});
  std::string req = "GET /x HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 65; ++i) req += "H" + std::to_string(i) + ": v\r\n";
  feed(p, req + "\r\n");
  ASSERT_EQ(p.next(), Http1Parser::State::kRequest);
  EXPECT_EQ(p.request().header_count, 66);
}

// Issue 15: a repeated query parameter counts by its last occurrence (DRF).
TEST(QueryParam, TheLastOccurrenceWins) {
  std::string_view v;
  ASSERT_TRUE(query_param("page=1&page_size=5&page=3", "page", &v));
  EXPECT_EQ(v, "3");
  ASSERT_TRUE(query_param("a&page=2", "page", &v));
  EXPECT_EQ(v, "2");
  EXPECT_FALSE(query_param("pages=2", "page", &v));
}

}  // namespace
}  // namespace claribi::http
