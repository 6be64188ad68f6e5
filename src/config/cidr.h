// TrustedProxies: the set of addresses and CIDR blocks from `trusted_proxies`,
// asked on every request that arrives on the plain-HTTP listener "may this
// peer vouch for X-Forwarded-Proto / X-Forwarded-For?".
//
// Every entry is kept as an IPv6 network in two 64-bit halves; IPv4 entries
// become IPv4-mapped networks (::ffff:a.b.c.d/96+n). A peer address is turned
// into the same 128-bit form, so an IPv4 peer, an IPv4-mapped IPv6 peer
// (a dual-stack socket) and an IPv6 peer are all matched the same way.
// Consequence worth knowing: `::/0` matches every address, IPv4 included,
// while `0.0.0.0/0` matches IPv4 (and IPv4-mapped) addresses only.
//
// Matching is a short linear scan of masks: no allocation, no locks, no
// exceptions; the set is built once at start-up and then only read, so any
// number of reactor threads may call is_trusted() at once.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace claribi {

class TrustedProxies {
 public:
  TrustedProxies() = default;

  // Parses a comma-separated list ("10.0.0.0/8, ::1, 192.168.1.7"); blanks
  // around commas are ignored, an empty string is the empty set. An address
  // without a prefix is a single host (/32 or /128). A prefix that leaves host
  // bits set ("10.0.0.1/8") is refused: it is almost always a typo.
  static Result<TrustedProxies> parse(std::string_view comma_separated);

  // Adds one address or CIDR block; the error says what is wrong with it.
  Status add(std::string_view address_or_cidr);

  // True when the peer is inside one of the entries. AF_INET and AF_INET6
  // (including IPv4-mapped) are understood; any other family is untrusted.
  bool is_trusted(const sockaddr* addr) const noexcept;
  // Same for a textual IP address ("10.1.2.3", "::1"); anything that is not a
  // plain IP address (brackets, ports, zone ids, names) is untrusted.
  bool is_trusted(std::string_view ip) const noexcept;

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // Canonical text, comma-separated ("10.0.0.0/8,::1/128"), as parse() accepts.
  std::string to_string() const;

  bool operator==(const TrustedProxies& other) const = default;

 private:
  struct Entry {
    uint64_t hi = 0, lo = 0;            // network address, 128-bit big-endian
    uint64_t mask_hi = 0, mask_lo = 0;  // prefix mask
    uint8_t prefix = 0;                 // as written (IPv4 prefixes are 0..32)
    bool v4 = false;                    // written as IPv4
    bool operator==(const Entry&) const = default;
  };
  bool matches(uint64_t hi, uint64_t lo) const noexcept;

  std::vector<Entry> entries_;
};

}  // namespace claribi
