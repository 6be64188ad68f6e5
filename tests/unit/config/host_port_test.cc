// HostPort: parsing of listen addresses.
#include "config/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace claribi {
namespace {

TEST(HostPort, ParsesIpv4Ipv6AndLocalhost) {
  Result<HostPort> a = parse_host_port("127.0.0.1:8443");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8443);
  EXPECT_EQ(a->to_string(), "127.0.0.1:8443");

  Result<HostPort> b = parse_host_port("[0:0::1]:443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");  // canonical form
  EXPECT_EQ(b->to_string(), "[::1]:443");

  Result<HostPort> c = parse_host_port("localhost:0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 0);

  Result<HostPort> d = parse_host_port("0.0.0.0:65535");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 65535);
}

TEST(HostPort, RejectsWhatIsNotHostPort) {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c : {
           Case{"abc", "\"abc\" is not host:port"},
           Case{"", "\"\" is not host:port"},
           Case{":8443", "\":8443\" is not host:port"},
           Case{"1.2.3.4", "\"1.2.3.4\" is not host:port"},
           Case{"1.2.3.4:", "\"1.2.3.4:\" is not host:port (bad port)"},
           Case{"1.2.3.4:http", "\"1.2.3.4:http\" is not host:port (bad port)"},
           Case{"1.2.3.4:-1", "\"1.2.3.4:-1\" is not host:port (bad port)"},
           Case{"1.2.3.4:65536", "\"1.2.3.4:65536\" is not host:port (port must be 0..65535)"},
           Case{"::1:8443", "\"::1:8443\" is not host:port (write IPv6 addresses in brackets: [::1]:8443)"},
           Case{"[::1]", "\"[::1]\" is not host:port"},
           Case{"[zz]:1", "\"[zz]:1\" is not host:port (bad IPv6 address)"},
           Case{"example.com:80", "\"example.com:80\" is not host:port (host must be an IP address or localhost)"},
           Case{"1.2.3.256:80", "\"1.2.3.256:80\" is not host:port (host must be an IP address or localhost)"},
       }) {
    Result<HostPort> r = parse_host_port(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().message(), c.problem);
  }
}

TEST(HostPort, ToSockaddr) {
  sockaddr_storage ss;
  ASSERT_TRUE(parse_host_port("10.1.2.3:80")->to_sockaddr(&ss));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 80);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0x0a010203u);

  ASSERT_TRUE(parse_host_port("[::1]:8443")->to_sockaddr(&ss));
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  EXPECT_EQ(sin6->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6->sin6_port), 8443);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[15], 1);

  EXPECT_FALSE(HostPort().to_sockaddr(&ss));
}

}  // namespace
}  // namespace claribi
