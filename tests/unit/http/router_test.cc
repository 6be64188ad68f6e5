#include <gtest/gtest.h>

#include <string>

#include "http/router.h"

namespace claribi::http {
namespace {

Router make_router() {
  Router r;
  r.add(Method::kGet, "/api/auth/status/", 0);
  r.add(Method::kGet, "/api/api-keys/", 1);
  r.add(Method::kPost, "/api/api-keys/", 2);
  r.add(Method::kGet, "/api/api-keys/{id}/", 3);
  r.add(Method::kDelete, "/api/api-keys/{id}/", 4);
  r.add(Method::kPost, "/api/api-keys/{id}/rotate/", 5);
  return r;
}

TEST(Router, MatchesLiteralAndIdRoutes) {
  Router r = make_router();
  auto m = r.match(Method::kGet, "/api/auth/status/");
  EXPECT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route_index, 0);
  m = r.match(Method::kGet, "/api/api-keys/42/");
  EXPECT_EQ(m.route_index, 3);
  ASSERT_EQ(m.id_count, 1);
  EXPECT_EQ(m.ids[0], 42u);
  m = r.match(Method::kPost, "/api/api-keys/7/rotate/");
  EXPECT_EQ(m.route_index, 5);
  EXPECT_EQ(m.ids[0], 7u);
}

TEST(Router, TrailingSlashIsOptional) {
  Router r = make_router();
  EXPECT_EQ(r.match(Method::kGet, "/api/auth/status").route_index, 0);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/42").route_index, 3);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys//").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/auth/status//").outcome, Router::Outcome::kNotFound);
}

TEST(Router, NotFound) {
  Router r = make_router();
  EXPECT_EQ(r.match(Method::kGet, "/api/nope/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/abc/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/0/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/042/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/99999999999999999999/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/api-keys/1/2/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "api/auth/status/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/auth/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/auth/status/x/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api//auth/status/").outcome, Router::Outcome::kNotFound);
  // Far more segments than any route (the path is split at most 16 times).
  std::string deep = "/api";
  for (int i = 0; i < 40; ++i) deep += "/auth";
  EXPECT_EQ(r.match(Method::kGet, deep).outcome, Router::Outcome::kNotFound);
}

TEST(Router, MethodNotAllowedListsAllow) {
  Router r = make_router();
  auto m = r.match(Method::kPut, "/api/api-keys/");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, POST, OPTIONS");
  m = r.match(Method::kPatch, "/api/api-keys/3/");
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE, OPTIONS");
}

TEST(Router, HeadFallsBackToGetAndOptionsFindsPath) {
  Router r = make_router();
  EXPECT_EQ(r.match(Method::kHead, "/api/auth/status/").route_index, 0);
  auto m = r.match(Method::kOptions, "/api/api-keys/");
  EXPECT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route_index, -1);
}

TEST(Router, ParseId) {
  uint64_t v;
  EXPECT_TRUE(parse_id("1", &v));
  EXPECT_EQ(v, 1u);
  EXPECT_TRUE(parse_id("9223372036854775807", &v));
  EXPECT_FALSE(parse_id("9223372036854775808", &v));
  EXPECT_FALSE(parse_id("", &v));
  EXPECT_FALSE(parse_id("-1", &v));
  EXPECT_FALSE(parse_id("1a", &v));
}

}  // namespace
}  // namespace claribi::http
