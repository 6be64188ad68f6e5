// TrustedProxies: parsing of addresses/CIDR blocks and the per-request match.
#include "config/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "common/text.h"
#include "config/quote.h"

namespace claribi {
namespace {

constexpr uint64_t kV4MappedHi = 0;
constexpr uint64_t kV4MappedLoPrefix = 0x0000ffff00000000ULL;

uint64_t load64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Mask with the top `bits` bits set (bits in 0..64).
uint64_t top_bits(int bits) {
  if (bits <= 0) return 0;
  if (bits >= 64) return ~uint64_t{0};
  return ~uint64_t{0} << (64 - bits);
}

// Copies s into buf as a NUL-terminated string for inet_pton; false if too long.
template <size_t N>
bool to_cstring(std::string_view s, char (&buf)[N]) {
  if (s.size() >= N) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return true;
}

// Parses a plain IPv4 or IPv6 address into 128-bit form. No allocation.
bool parse_ip(std::string_view text, uint64_t* hi, uint64_t* lo, bool* v4) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (!to_cstring(text, buf)) return false;
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    *hi = kV4MappedHi;
    *lo = kV4MappedLoPrefix | ntohl(a4.s_addr);
    *v4 = true;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1) {
    *hi = load64(a6.s6_addr);
    *lo = load64(a6.s6_addr + 8);
    *v4 = false;
    return true;
  }
  return false;
}


}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view text) {
  TrustedProxies set;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trim_whitespace(text.substr(0, comma));
    if (!item.empty()) {
      Status s = set.add(item);
      if (!s.ok()) return s;
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return set;
}

Status TrustedProxies::add(std::string_view text) {
  text = trim_whitespace(text);
  std::string_view ip = text;
  int prefix = -1;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    ip = text.substr(0, slash);
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 ||
        digits.size() > 3) {
      return Status::InvalidArgument(quote_value(text) + " is not an IP address or CIDR block (bad prefix length)");
    }
  }
  Entry e;
  bool v4 = false;
  if (!parse_ip(ip, &e.hi, &e.lo, &v4)) {
    return Status::InvalidArgument(quote_value(text) + " is not an IP address or CIDR block");
  }
  const int max_prefix = v4 ? 32 : 128;
  if (prefix < 0) prefix = max_prefix;
  if (prefix > max_prefix) {
    return Status::InvalidArgument(quote_value(text) + " is not an IP address or CIDR block (prefix must be 0.." +
                                   std::to_string(max_prefix) + ")");
  }
  const int bits = v4 ? prefix + 96 : prefix;
  e.mask_hi = top_bits(bits);
  e.mask_lo = top_bits(bits - 64);
  e.prefix = static_cast<uint8_t>(prefix);
  e.v4 = v4;
  if ((e.hi & ~e.mask_hi) != 0 || (e.lo & ~e.mask_lo) != 0) {
    return Status::InvalidArgument(quote_value(text) + " has host bits set after the /" + std::to_string(prefix) +
                                   " prefix");
  }
  entries_.push_back(e);
  return Status::Ok();
}

bool TrustedProxies::matches(uint64_t hi, uint64_t lo) const noexcept {
  for (const Entry& e : entries_) {
    if ((hi & e.mask_hi) == e.hi && (lo & e.mask_lo) == e.lo) return true;
  }
  return false;
}

bool TrustedProxies::is_trusted(const sockaddr* addr) const noexcept {
  if (addr == nullptr || entries_.empty()) return false;
  if (addr->sa_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, addr, sizeof sin);
    return matches(kV4MappedHi, kV4MappedLoPrefix | ntohl(sin.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, addr, sizeof sin6);
    return matches(load64(sin6.sin6_addr.s6_addr), load64(sin6.sin6_addr.s6_addr + 8));
  }
  return false;
}

bool TrustedProxies::is_trusted(std::string_view ip) const noexcept {
  if (entries_.empty()) return false;
  uint64_t hi = 0, lo = 0;
  bool v4 = false;
  if (!parse_ip(ip, &hi, &lo, &v4)) return false;
  return matches(hi, lo);
}

std::string TrustedProxies::to_string() const {
  std::string out;
  for (const Entry& e : entries_) {
    if (!out.empty()) out.push_back(',');
    char buf[INET6_ADDRSTRLEN];
    if (e.v4) {
      in_addr a4;
      a4.s_addr = htonl(static_cast<uint32_t>(e.lo));
      inet_ntop(AF_INET, &a4, buf, sizeof buf);
    } else {
      in6_addr a6;
      for (int i = 0; i < 8; ++i) {
        a6.s6_addr[i] = static_cast<unsigned char>(e.hi >> (56 - 8 * i));
        a6.s6_addr[8 + i] = static_cast<unsigned char>(e.lo >> (56 - 8 * i));
      }
      inet_ntop(AF_INET6, &a6, buf, sizeof buf);
    }
    out.append(buf).append("/").append(std::to_string(e.prefix));
  }
  return out;
}

}  // namespace claribi
