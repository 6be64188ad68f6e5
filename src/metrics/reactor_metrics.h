// ReactorMetrics: the figures one reactor thread keeps about the requests and
// connections it serves, written only by that thread (metrics/counter.h) and
// summed over all reactors when scraped. Requests are counted per route of the
// API's route table (by index; the last slot is "no route": 404s, 405s and
// requests refused before routing), by status class, with a latency histogram
// from the parsed head to the last byte of the answer handed to the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "metrics/counter.h"

namespace claribi::metrics {

// Which credential a 429 was for.
enum class LimitedBy : uint8_t { kJwt, kApiKey, kAddress };
inline constexpr size_t kLimitedByCount = 3;
// Who decided a credential's limit with rate_limits.backend = "redis":
// Redis, the local share (fallback), or nobody (fallback closed: 503).
inline constexpr size_t kSharedLimitDeciders = 3;

struct RouteMetrics {
  Counter by_class[5];  // 1xx … 5xx
  Histogram latency{kLatencyBoundsUs};
};

class ReactorMetrics {
 public:
  // `routes`: the route table's size; slot `routes` is "no route".
  explicit ReactorMetrics(size_t routes) : slots_(routes + 1), routes_(new RouteMetrics[routes + 1]) {}

  size_t slots() const { return slots_; }
  size_t no_route() const { return slots_ - 1; }
  const RouteMetrics& route(size_t slot) const { return routes_[slot]; }

  void request_done(size_t slot, int status, uint64_t micros) {
    RouteMetrics& r = routes_[slot < slots_ ? slot : slots_ - 1];
    if (status >= 100 && status < 600) r.by_class[status / 100 - 1].add();
    r.latency.observe(micros);
  }

  Counter rate_limited[kLimitedByCount];
  Counter shared_limit_checks[kSharedLimitDeciders];  // only with the Redis backend
  Counter connections_opened;
  Counter connections_closed;
  Counter tls_handshakes;          // completed
  Counter tls_handshake_failures;  // the peer sent something that was not a good handshake

 private:
  size_t slots_;
  std::unique_ptr<RouteMetrics[]> routes_;
};

}  // namespace claribi::metrics
