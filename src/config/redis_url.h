// The address of the Redis server of rate_limits.redis_url, parsed once for
// the settings check and for the Redis limiter (limit/redis_limiter.h).
#pragma once

#include <string>
#include <string_view>

namespace claribi {

// Where Redis is: redis://[[user]:password@]host[:port][/db] (port 6379, db 0)
// or unix:///path/to/redis.sock[?db=N]. The host is resolved when the server
// starts (a literal address avoids the lookup).
struct RedisEndpoint {
  std::string host;  // a name or a literal address; empty with a socket path
  int port = 6379;
  std::string socket_path;
  std::string user;
  std::string password;
  int db = 0;
  std::string shown() const;  // for logs: host:port or the socket path, never the password
};
// "" when the URL is good, else why not (for a config error).
std::string parse_redis_url(std::string_view url, RedisEndpoint* out);

}  // namespace claribi
