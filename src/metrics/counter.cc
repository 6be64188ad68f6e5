#include "metrics/counter.h"

#include <cstdlib>

namespace claribi::metrics {

Histogram::Histogram(std::span<const uint64_t> bounds) : bounds_(bounds) {
  if (bounds.size() > kMaxBounds) std::abort();  // a programming error: the tables are constants
}

}  // namespace claribi::metrics
