// HostPort: a listen address from the configuration ("127.0.0.1:8443",
// "[::]:8443", "localhost:8080"), already checked, ready to bind.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace claribi {

struct HostPort {
  // Numeric IPv4 or IPv6 address, IPv6 without brackets ("::1"). Empty means
  // "no address": only settings that allow it (plain_listen) can hold it, and
  // for them it means the listener is disabled.
  std::string host;
  uint16_t port = 0;  // 0 = an ephemeral port chosen by the kernel

  bool empty() const { return host.empty(); }
  bool is_ipv6() const { return host.find(':') != std::string::npos; }
  // "127.0.0.1:8443", "[::1]:8443"; "" when empty.
  std::string to_string() const;
  // Fills a sockaddr_in or sockaddr_in6; false when empty.
  bool to_sockaddr(sockaddr_storage* out) const;

  bool operator==(const HostPort&) const = default;
};

// Parses "host:port". host is an IPv4 address, a bracketed IPv6 address or
// `localhost` (stored as 127.0.0.1); port is 0..65535. The error is the problem
// with the text, e.g. `"abc" is not host:port`.
Result<HostPort> parse_host_port(std::string_view text);

}  // namespace claribi
