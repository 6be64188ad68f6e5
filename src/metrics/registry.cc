#include "metrics/registry.h"

#include <array>

namespace claribi::metrics {
namespace {

constexpr const char* kClassNames[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
constexpr const char* kLimitedByNames[kLimitedByCount] = {"jwt", "api_key", "address"};

}  // namespace

std::string Registry::render() const {
  std::string out;
  out.reserve(16 << 10);
  TextWriter w(out);
  render_reactors(w);
  for (const Collector& c : collectors_) c(w);
  return out;
}

void Registry::render_reactors(TextWriter& w) const {
  const size_t slots = routes_.size() + 1;
  auto route_labels = [&](size_t slot) {
    if (slot == routes_.size()) return label("route", "(none)");
    return label("method", routes_[slot].method) + "," + label("route", routes_[slot].pattern);
  };
  // Sums over the reactors, per route slot.
  std::vector<std::array<uint64_t, 5>> by_class(slots);
  std::vector<std::array<uint64_t, Histogram::kMaxBounds + 1>> buckets(slots);
  std::vector<uint64_t> sums(slots, 0);
  std::span<const uint64_t> bounds = kLatencyBoundsUs;
  for (const ReactorMetrics* m : reactors_) {
    for (size_t s = 0; s < slots && s < m->slots(); ++s) {
      const RouteMetrics& r = m->route(s);
      for (size_t k = 0; k < 5; ++k) by_class[s][k] += r.by_class[k].value();
      for (size_t b = 0; b <= bounds.size(); ++b) buckets[s][b] += r.latency.bucket(b);
      sums[s] += r.latency.sum();
    }
  }
  auto served = [&](size_t s) {
    uint64_t n = 0;
    for (uint64_t v : by_class[s]) n += v;
    return n;
  };

  w.family("claribi_http_requests_total", "counter",
           "Requests answered, by route of the route table and status class (route=\"(none)\": no route matched).");
  for (size_t s = 0; s < slots; ++s) {
    if (served(s) == 0) continue;
    for (size_t k = 0; k < 5; ++k) {
      if (by_class[s][k] == 0) continue;
      w.sample("claribi_http_requests_total", route_labels(s) + "," + label("code", kClassNames[k]), by_class[s][k]);
    }
  }
  w.family("claribi_http_request_duration_seconds", "histogram",
           "From the parsed request head to the last byte of the answer handed to the connection.");
  for (size_t s = 0; s < slots; ++s) {
    if (served(s) == 0) continue;
    w.histogram("claribi_http_request_duration_seconds", route_labels(s), bounds,
                std::span<const uint64_t>(buckets[s].data(), bounds.size() + 1), sums[s], 1e6);
  }

  uint64_t limited[kLimitedByCount] = {};
  uint64_t shared[kSharedLimitDeciders] = {};
  uint64_t opened = 0, closed = 0, handshakes = 0, handshake_failures = 0;
  for (const ReactorMetrics* m : reactors_) {
    for (size_t k = 0; k < kLimitedByCount; ++k) limited[k] += m->rate_limited[k].value();
    for (size_t k = 0; k < kSharedLimitDeciders; ++k) shared[k] += m->shared_limit_checks[k].value();
    opened += m->connections_opened.value();
    closed += m->connections_closed.value();
    handshakes += m->tls_handshakes.value();
    handshake_failures += m->tls_handshake_failures.value();
  }
  w.family("claribi_rate_limited_total", "counter", "Requests refused with 429, by the credential the limit is for.");
  for (size_t k = 0; k < kLimitedByCount; ++k)
    w.sample("claribi_rate_limited_total", label("credential", kLimitedByNames[k]), limited[k]);
  static constexpr std::string_view kDeciders[kSharedLimitDeciders] = {"redis", "local_share", "closed"};
  w.family("claribi_shared_limit_checks_total", "counter",
           "Credential limit checks with rate_limits.backend = redis, by who decided: Redis, this node's share "
           "(fallback local) or none (fallback closed, 503).");
  for (size_t k = 0; k < kSharedLimitDeciders; ++k)
    w.sample("claribi_shared_limit_checks_total", label("decided_by", kDeciders[k]), shared[k]);
  w.family("claribi_connections_open", "gauge", "Client connections open now.");
  w.sample("claribi_connections_open", "", opened >= closed ? opened - closed : uint64_t(0));
  w.family("claribi_connections_total", "counter", "Client connections accepted.");
  w.sample("claribi_connections_total", "", opened);
  w.family("claribi_tls_handshakes_total", "counter", "TLS handshakes completed.");
  w.sample("claribi_tls_handshakes_total", "", handshakes);
  w.family("claribi_tls_handshake_failures_total", "counter", "TLS handshakes that failed (bad or no ClientHello).");
  w.sample("claribi_tls_handshake_failures_total", "", handshake_failures);
}

}  // namespace claribi::metrics
