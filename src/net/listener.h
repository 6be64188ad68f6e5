// Listening sockets: every reactor opens its own socket on the same address
// with SO_REUSEPORT, so the kernel spreads new connections over reactors and
// no accept lock is shared.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace claribi::net {

// Parses "host:port", "[v6]:port" into a socket address (numeric hosts, and
// "localhost" as 127.0.0.1).
Status parse_endpoint(std::string_view text, sockaddr_storage* out);

// A non-blocking listening socket with SO_REUSEADDR and SO_REUSEPORT.
Result<int> open_listen_socket(const sockaddr_storage& addr, int backlog);

// The port a bound socket ended up on (for port 0 in tests).
int bound_port(int fd);

// Numeric text form of an address ("127.0.0.1", "::1").
std::string address_text(const sockaddr* addr);

}  // namespace claribi::net
