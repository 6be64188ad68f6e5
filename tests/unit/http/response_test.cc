#include <gtest/gtest.h>

#include "common/time_util.h"
#include "http/date_cache.h"
#include "http/response.h"

namespace claribi::http {
namespace {

TEST(Response, SerializesHeadAndBody) {
  Response r;
  r.status = 200;
  r.body = "{}";
  r.add_header("X-Extra", "1");
  ResponseMeta m;
  m.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  m.request_id = "rid";
  std::string out;
  serialize_response(r, m, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: claribi\r\nX-Content-Type-Options: nosniff\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\nX-Request-Id: rid\r\n"
            "X-Extra: 1\r\n\r\n{}");
}

TEST(Response, NoContentHasNoBodyOrLength) {
  Response r;
  r.status = 204;
  ResponseMeta m;
  m.date = "d";
  m.keep_alive = false;
  std::string out;
  serialize_response(r, m, out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(Response, HeadKeepsLengthDropsBody) {
  Response r;
  r.body = "hello";
  ResponseMeta m;
  m.head_only = true;
  std::string out;
  serialize_response(r, m, out);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(DateCache, RendersOncePerSecond) {
  DateCache d;
  EXPECT_TRUE(d.update(784111777));
  EXPECT_EQ(d.get(), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(d.update(784111777));  // same second: nothing to do
  EXPECT_TRUE(d.update(784111778));
  EXPECT_EQ(d.get(), "Sun, 06 Nov 1994 08:49:38 GMT");
}

TEST(TimeUtil, Iso8601RoundTrip) {
  char buf[kIso8601Len];
  EXPECT_EQ(std::string(buf, format_iso8601(1750000000, buf)), "2025-06-15T15:06:40Z");
  EXPECT_EQ(parse_iso8601("2025-06-15T15:06:40Z"), 1750000000);
  EXPECT_EQ(parse_iso8601("2025-06-15T15:06:40.123Z"), 1750000000);
  EXPECT_EQ(parse_iso8601("2025-06-15T15:06:40+00:00"), 1750000000);
  EXPECT_FALSE(parse_iso8601("2025-13-15T15:06:40Z").has_value());
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
}

}  // namespace
}  // namespace claribi::http
