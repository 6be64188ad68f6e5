// TextWriter: Prometheus's text exposition format (version 0.0.4), the one
// `promtool check metrics` checks: a # HELP and # TYPE line per family, then
// its samples; histograms as cumulative _bucket{le=…} lines, _sum and _count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "metrics/counter.h"

namespace claribi::metrics {

class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}

  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  // labels: already rendered (`route="/api/users/",method="GET"`), or empty.
  void sample(std::string_view name, std::string_view labels, uint64_t value);
  void sample(std::string_view name, std::string_view labels, double value);
  // buckets[i]: observations with bounds[i-1] < v <= bounds[i] (non-cumulative;
  // buckets[bounds.size()] above the last bound); values are divided by
  // `divisor` on the way out (microseconds → seconds: 1e6; a division, so
  // 25000 µs is exactly 0.025).
  void histogram(std::string_view name, std::string_view labels, std::span<const uint64_t> bounds,
                 std::span<const uint64_t> buckets, uint64_t sum, double divisor);

  // One Histogram as it stands (its own bounds).
  void histogram(std::string_view name, std::string_view labels, const Histogram& h, double divisor);

 private:
  void series(std::string_view name, std::string_view suffix, std::string_view labels, std::string_view extra);
  std::string& out_;
};

// `key="value"` with the value escaped as the format requires (\\, \", \n).
std::string label(std::string_view key, std::string_view value);

}  // namespace claribi::metrics
