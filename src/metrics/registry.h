// Registry: everything GET /metrics shows, rendered on the scrape thread.
// The reactors' ReactorMetrics are summed (requests per route and status
// class, latency, rate-limit rejections, connections, TLS handshakes); the
// other parts of the server add collectors that write their own families
// (group commit, RocksDB, the query pool, the scheduler). Sources are added
// while the server starts, before the exporter's thread runs; render() may
// then run on any thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "metrics/reactor_metrics.h"
#include "metrics/text_format.h"

namespace claribi::metrics {

class Registry {
 public:
  // The route table's (method, pattern) in its order: ReactorMetrics slot i
  // is route i.
  struct RouteName {
    std::string method;
    std::string pattern;
  };
  explicit Registry(std::vector<RouteName> routes) : routes_(std::move(routes)) {}

  void add_reactor(const ReactorMetrics* m) { reactors_.push_back(m); }
  using Collector = std::function<void(TextWriter&)>;
  void add_collector(Collector c) { collectors_.push_back(std::move(c)); }

  std::string render() const;

 private:
  void render_reactors(TextWriter& w) const;

  std::vector<RouteName> routes_;
  std::vector<const ReactorMetrics*> reactors_;
  std::vector<Collector> collectors_;
};

}  // namespace claribi::metrics
