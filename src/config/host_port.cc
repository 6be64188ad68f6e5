// HostPort parsing and conversion to a socket address.
#include "config/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "config/quote.h"

namespace claribi {
namespace {


}  // namespace

std::string HostPort::to_string() const {
  if (host.empty()) return {};
  std::string out;
  if (is_ipv6()) {
    out = "[" + host + "]";
  } else {
    out = host;
  }
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

bool HostPort::to_sockaddr(sockaddr_storage* out) const {
  std::memset(out, 0, sizeof *out);
  if (host.empty()) return false;
  if (is_ipv6()) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    return inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) == 1;
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(out);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  return inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1;
}

Result<HostPort> parse_host_port(std::string_view text) {
  const std::string not_host_port = quote_value(text) + " is not host:port";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Status::InvalidArgument(not_host_port);
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);

  HostPort hp;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return Status::InvalidArgument(not_host_port);
    std::string inner(host.substr(1, host.size() - 2));
    in6_addr a6;
    if (inet_pton(AF_INET6, inner.c_str(), &a6) != 1) {
      return Status::InvalidArgument(not_host_port + " (bad IPv6 address)");
    }
    char canon[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a6, canon, sizeof canon);
    hp.host = canon;
  } else if (host == "localhost") {
    hp.host = "127.0.0.1";
  } else {
    std::string h(host);
    in_addr a4;
    if (inet_pton(AF_INET, h.c_str(), &a4) != 1) {
      if (h.find(':') != std::string::npos) {
        return Status::InvalidArgument(not_host_port + " (write IPv6 addresses in brackets: [::1]:8443)");
      }
      return Status::InvalidArgument(not_host_port + " (host must be an IP address or localhost)");
    }
    hp.host = h;
  }

  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return Status::InvalidArgument(not_host_port + " (bad port)");
  }
  if (port > 65535) return Status::InvalidArgument(not_host_port + " (port must be 0..65535)");
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

}  // namespace claribi
