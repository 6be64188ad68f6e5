// The metrics layer: histograms bucket as Prometheus means (upper bounds
// inclusive, cumulative when rendered), the text format escapes labels and
// prints plain decimals, the registry sums every reactor's figures, and a
// scrape running beside a reactor that bumps its counters reads whole values
// (run under TSan by make test-tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "metrics/counter.h"
#include "metrics/reactor_metrics.h"
#include "metrics/registry.h"
#include "metrics/text_format.h"

namespace claribi::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Histogram, BoundsAreInclusiveUpperBounds) {
  static constexpr uint64_t kBounds[] = {10, 100};
  Histogram h(kBounds);
  for (uint64_t v : {0, 10, 11, 100, 101, 5000}) h.observe(v);
  EXPECT_EQ(h.bucket(0), 2u);  // 0, 10
  EXPECT_EQ(h.bucket(1), 2u);  // 11, 100
  EXPECT_EQ(h.bucket(2), 2u);  // above 100
  EXPECT_EQ(h.sum(), 0u + 10 + 11 + 100 + 101 + 5000);
}

TEST(TextWriter, RendersCumulativeBucketsInSecondsAndEscapesLabels) {
  static constexpr uint64_t kBounds[] = {500, 25000};
  std::string out;
  TextWriter w(out);
  w.family("x_seconds", "histogram", "help text");
  const uint64_t buckets[] = {1, 2, 3};
  w.histogram("x_seconds", label("route", "a\"b\\c\nd"), kBounds, buckets, 1'500'000, 1e6);
  EXPECT_TRUE(has_line(out, "# HELP x_seconds help text")) << out;
  EXPECT_TRUE(has_line(out, "# TYPE x_seconds histogram")) << out;
  EXPECT_TRUE(has_line(out, R"(x_seconds_bucket{route="a\"b\\c\nd",le="0.0005"} 1)")) << out;
  EXPECT_TRUE(has_line(out, R"(x_seconds_bucket{route="a\"b\\c\nd",le="0.025"} 3)")) << out;
  EXPECT_TRUE(has_line(out, R"(x_seconds_bucket{route="a\"b\\c\nd",le="+Inf"} 6)")) << out;
  EXPECT_TRUE(has_line(out, R"(x_seconds_sum{route="a\"b\\c\nd"} 1.5)")) << out;
  EXPECT_TRUE(has_line(out, R"(x_seconds_count{route="a\"b\\c\nd"} 6)")) << out;
}

TEST(Registry, SumsEveryReactorPerRouteAndClass) {
  Registry registry({{"GET", "/api/a/"}, {"POST", "/api/b/"}});
  ReactorMetrics one(2), two(2);
  registry.add_reactor(&one);
  registry.add_reactor(&two);
  one.request_done(0, 200, 100);
  two.request_done(0, 204, 100);
  two.request_done(1, 503, 100);
  one.request_done(one.no_route(), 404, 100);
  one.rate_limited[size_t(LimitedBy::kApiKey)].add();
  two.rate_limited[size_t(LimitedBy::kApiKey)].add();
  one.connections_opened.add(3);
  one.connections_closed.add(1);
  two.connections_opened.add(1);
  registry.add_collector([](TextWriter& w) {
    w.family("extra", "gauge", "from a collector");
    w.sample("extra", "", uint64_t(7));
  });
  const std::string out = registry.render();
  EXPECT_TRUE(has_line(out, R"(claribi_http_requests_total{method="GET",route="/api/a/",code="2xx"} 2)")) << out;
  EXPECT_TRUE(has_line(out, R"(claribi_http_requests_total{method="POST",route="/api/b/",code="5xx"} 1)")) << out;
  EXPECT_TRUE(has_line(out, R"x(claribi_http_requests_total{route="(none)",code="4xx"} 1)x")) << out;
  EXPECT_TRUE(has_line(out, R"(claribi_http_request_duration_seconds_count{method="GET",route="/api/a/"} 2)")) << out;
  EXPECT_TRUE(has_line(out, R"(claribi_rate_limited_total{credential="api_key"} 2)")) << out;
  EXPECT_TRUE(has_line(out, "claribi_connections_open 3")) << out;
  EXPECT_TRUE(has_line(out, "claribi_connections_total 4")) << out;
  EXPECT_TRUE(has_line(out, "extra 7")) << out;
  // A class nobody answered with is not listed.
  EXPECT_EQ(out.find(R"(route="/api/a/",code="5xx")"), std::string::npos) << out;
}

TEST(Registry, ScrapesWhileAReactorCounts) {
  Registry registry(std::vector<Registry::RouteName>{{"GET", "/api/a/"}});
  ReactorMetrics reactor(1);
  registry.add_reactor(&reactor);
  constexpr int kRequests = 200000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kRequests; ++i) reactor.request_done(0, 200, uint64_t(i % 3000));
    done.store(true);
  });
  uint64_t last = 0;
  while (!done.load()) {
    const std::string out = registry.render();
    const std::string key = R"(claribi_http_requests_total{method="GET",route="/api/a/",code="2xx"} )";
    size_t at = out.find(key);
    if (at == std::string::npos) continue;
    uint64_t seen = std::stoull(out.substr(at + key.size()));
    EXPECT_GE(seen, last);  // counters only grow
    last = seen;
  }
  writer.join();
  EXPECT_TRUE(has_line(registry.render(),
                       R"(claribi_http_requests_total{method="GET",route="/api/a/",code="2xx"} 200000)"));
}

}  // namespace
}  // namespace claribi::metrics
