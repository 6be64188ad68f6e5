// rate_limits.redis_url: the forms parse_redis_url takes and refuses, and
// mask_url_password (how --check-config and the start-up line show it).
#include "config/redis_url.h"

#include <gtest/gtest.h>

#include "config/quote.h"

namespace claribi {
namespace {

TEST(RedisUrl, HostPortDatabaseAndCredentials) {
  RedisEndpoint e;
  ASSERT_EQ(parse_redis_url("redis://127.0.0.1:6380/2", &e), "");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2);
  EXPECT_TRUE(e.password.empty());

  ASSERT_EQ(parse_redis_url("redis://redis.internal", &e), "");
  EXPECT_EQ(e.host, "redis.internal");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);

  ASSERT_EQ(parse_redis_url("redis://:s3cret@10.0.0.5", &e), "");
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.password, "s3cret");
  ASSERT_EQ(parse_redis_url("redis://limits:p@ss:w@rd@10.0.0.5:7000/", &e), "");  // the last @ ends the credentials
  EXPECT_EQ(e.user, "limits");
  EXPECT_EQ(e.password, "p@ss:w@rd");
  EXPECT_EQ(e.host, "10.0.0.5");
  EXPECT_EQ(e.port, 7000);

  ASSERT_EQ(parse_redis_url("redis://[::1]:6379", &e), "");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.shown(), "[::1]:6379");
}

TEST(RedisUrl, UnixSocket) {
  RedisEndpoint e;
  ASSERT_EQ(parse_redis_url("unix:///run/redis/redis.sock?db=3", &e), "");
  EXPECT_EQ(e.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.shown(), "unix:///run/redis/redis.sock");
  EXPECT_NE(parse_redis_url("unix://relative.sock", &e), "");
  EXPECT_NE(parse_redis_url("unix:///run/r.sock?timeout=1", &e), "");
}

TEST(RedisUrl, Refused) {
  RedisEndpoint e;
  for (const char* bad : {"", "http://127.0.0.1", "redis://", "redis://:6379", "redis://h:0", "redis://h:65536",
                          "redis://h:x", "redis://h/x", "redis://h/-1", "redis://user@h", "redis://[::1",
                          "redis://[::1]6379"}) {
    EXPECT_NE(parse_redis_url(bad, &e), "") << bad;
  }
}

TEST(RedisUrl, PasswordMasked) {
  EXPECT_EQ(mask_url_password("redis://:s3cret@10.0.0.5:6379/1"), "redis://:***@10.0.0.5:6379/1");
  EXPECT_EQ(mask_url_password("redis://limits:s3cret@h"), "redis://limits:***@h");
  EXPECT_EQ(mask_url_password("smtp://mailer:pw@relay:587"), "smtp://mailer:***@relay:587");
  EXPECT_EQ(mask_url_password("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(mask_url_password("smtp://mailer@relay"), "smtp://mailer@relay");  // no password to hide
  EXPECT_EQ(mask_url_password("unix:///run/redis.sock"), "unix:///run/redis.sock");
}

}  // namespace
}  // namespace claribi
