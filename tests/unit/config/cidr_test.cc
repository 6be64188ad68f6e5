// TrustedProxies: parsing and matching of addresses and CIDR blocks.
#include "config/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include <gtest/gtest.h>

namespace claribi {
namespace {

TrustedProxies parse_ok(std::string_view text) {
  Result<TrustedProxies> r = TrustedProxies::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? r.value() : TrustedProxies();
}

sockaddr_storage v4(const char* ip) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(1234);
  EXPECT_EQ(inet_pton(AF_INET, ip, &sin->sin_addr), 1) << ip;
  return ss;
}

sockaddr_storage v6(const char* ip) {
  sockaddr_storage ss{};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(1234);
  EXPECT_EQ(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1) << ip;
  return ss;
}

bool trusts(const TrustedProxies& set, const sockaddr_storage& ss) {
  return set.is_trusted(reinterpret_cast<const sockaddr*>(&ss));
}

TEST(TrustedProxies, EmptySetTrustsNobody) {
  TrustedProxies set = parse_ok("");
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(trusts(set, v4("127.0.0.1")));
  EXPECT_FALSE(trusts(set, v6("::1")));
  EXPECT_FALSE(set.is_trusted("127.0.0.1"));
  EXPECT_FALSE(set.is_trusted(static_cast<const sockaddr*>(nullptr)));
}

TEST(TrustedProxies, SingleIpv4AddressIsSlash32) {
  TrustedProxies set = parse_ok("10.1.2.3");
  EXPECT_TRUE(trusts(set, v4("10.1.2.3")));
  EXPECT_FALSE(trusts(set, v4("10.1.2.4")));
  EXPECT_TRUE(set.is_trusted("10.1.2.3"));
  EXPECT_FALSE(set.is_trusted("10.1.2.2"));
  EXPECT_EQ(set.to_string(), "10.1.2.3/32");

  TrustedProxies explicit32 = parse_ok("10.1.2.3/32");
  EXPECT_TRUE(trusts(explicit32, v4("10.1.2.3")));
  EXPECT_FALSE(trusts(explicit32, v4("10.1.2.4")));
}

TEST(TrustedProxies, Ipv4Slash24) {
  TrustedProxies set = parse_ok("192.168.7.0/24");
  EXPECT_TRUE(trusts(set, v4("192.168.7.0")));
  EXPECT_TRUE(trusts(set, v4("192.168.7.255")));
  EXPECT_FALSE(trusts(set, v4("192.168.8.1")));
  EXPECT_FALSE(trusts(set, v4("192.168.6.255")));
  EXPECT_FALSE(trusts(set, v6("2001:db8::1")));
}

TEST(TrustedProxies, Ipv4Slash0MatchesEveryIpv4AddressButNoNativeIpv6) {
  TrustedProxies set = parse_ok("0.0.0.0/0");
  EXPECT_TRUE(trusts(set, v4("0.0.0.0")));
  EXPECT_TRUE(trusts(set, v4("255.255.255.255")));
  EXPECT_TRUE(trusts(set, v4("8.8.8.8")));
  EXPECT_TRUE(trusts(set, v6("::ffff:8.8.8.8")));
  EXPECT_FALSE(trusts(set, v6("::1")));
  EXPECT_FALSE(trusts(set, v6("2001:db8::1")));
}

TEST(TrustedProxies, Ipv6) {
  TrustedProxies set = parse_ok("2001:db8::/32, ::1");
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(trusts(set, v6("2001:db8::1")));
  EXPECT_TRUE(trusts(set, v6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(trusts(set, v6("2001:db9::1")));
  EXPECT_TRUE(trusts(set, v6("::1")));
  EXPECT_FALSE(trusts(set, v6("::2")));
  EXPECT_FALSE(trusts(set, v4("127.0.0.1")));  // ::1 is not 127.0.0.1
  EXPECT_TRUE(set.is_trusted("2001:db8:1::5"));
  EXPECT_EQ(set.to_string(), "2001:db8::/32,::1/128");
}

TEST(TrustedProxies, Ipv6PrefixNotOnAByteOrWordBoundary) {
  TrustedProxies set = parse_ok("fd00:0:0:8000::/49, fe80::/10");
  EXPECT_TRUE(trusts(set, v6("fd00:0:0:8000::1")));
  EXPECT_TRUE(trusts(set, v6("fd00:0:0:ffff::1")));
  EXPECT_FALSE(trusts(set, v6("fd00:0:0:7fff::1")));
  EXPECT_TRUE(trusts(set, v6("febf::1")));
  EXPECT_FALSE(trusts(set, v6("fec0::1")));
}

TEST(TrustedProxies, Ipv6Slash0MatchesEverything) {
  TrustedProxies set = parse_ok("::/0");
  EXPECT_TRUE(trusts(set, v6("2001:db8::1")));
  EXPECT_TRUE(trusts(set, v4("10.0.0.1")));
}

TEST(TrustedProxies, Ipv4MappedIpv6PeersMatchIpv4Entries) {
  TrustedProxies set = parse_ok("10.0.0.0/8");
  EXPECT_TRUE(trusts(set, v6("::ffff:10.20.30.40")));  // dual-stack socket
  EXPECT_FALSE(trusts(set, v6("::ffff:11.0.0.1")));
  EXPECT_TRUE(set.is_trusted("::ffff:10.20.30.40"));
  // An IPv4-compatible (not mapped) address is a different address.
  EXPECT_FALSE(trusts(set, v6("::10.20.30.40")));
}

TEST(TrustedProxies, Ipv4MappedEntryMatchesIpv4Peers) {
  TrustedProxies set = parse_ok("::ffff:10.0.0.0/104");
  EXPECT_TRUE(trusts(set, v4("10.9.9.9")));
  EXPECT_FALSE(trusts(set, v4("11.9.9.9")));
}

TEST(TrustedProxies, OtherFamiliesAndNonAddressesAreUntrusted) {
  TrustedProxies set = parse_ok("0.0.0.0/0, ::/0");
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_FALSE(set.is_trusted(reinterpret_cast<const sockaddr*>(&un)));
  for (const char* text : {"", "[::1]", "10.0.0.1:80", "localhost", "10.0.0", "fe80::1%eth0", " 10.0.0.1"}) {
    EXPECT_FALSE(set.is_trusted(std::string_view(text))) << text;
  }
  std::string very_long(300, '1');
  EXPECT_FALSE(set.is_trusted(std::string_view(very_long)));
}

TEST(TrustedProxies, RejectsWhatIsNotAnAddressOrBlock) {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c : {
           Case{"abc", "\"abc\" is not an IP address or CIDR block"},
           Case{"10.0.0.0/33", "\"10.0.0.0/33\" is not an IP address or CIDR block (prefix must be 0..32)"},
           Case{"::/129", "\"::/129\" is not an IP address or CIDR block (prefix must be 0..128)"},
           Case{"10.0.0/8", "\"10.0.0/8\" is not an IP address or CIDR block"},
           Case{"10.0.0.0/", "\"10.0.0.0/\" is not an IP address or CIDR block (bad prefix length)"},
           Case{"10.0.0.0/+8", "\"10.0.0.0/+8\" is not an IP address or CIDR block (bad prefix length)"},
           Case{"10.0.0.0/-1", "\"10.0.0.0/-1\" is not an IP address or CIDR block (bad prefix length)"},
           Case{"/8", "\"/8\" is not an IP address or CIDR block"},
           Case{"10.0.0.1/8", "\"10.0.0.1/8\" has host bits set after the /8 prefix"},
           Case{"2001:db8::1/32", "\"2001:db8::1/32\" has host bits set after the /32 prefix"},
       }) {
    Result<TrustedProxies> r = TrustedProxies::parse(std::string("192.168.0.1, ") + c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().message(), c.problem);
  }
}

TEST(TrustedProxies, ToStringParsesBackToTheSameSet) {
  TrustedProxies set = parse_ok(" 10.0.0.0/8 ,, 172.16.0.0/12,fd00::/8 , ::1 ,0.0.0.0/0 ");
  EXPECT_EQ(set.to_string(), "10.0.0.0/8,172.16.0.0/12,fd00::/8,::1/128,0.0.0.0/0");
  EXPECT_EQ(parse_ok(set.to_string()), set);
}

}  // namespace
}  // namespace claribi
