// DateCache: the IMF-fixdate for the Date header, rendered once a second per
// reactor (by its timer), never per request.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/time_util.h"

namespace claribi::http {

class DateCache {
 public:
  DateCache() { update(unix_now()); }
  // Re-renders only when the second changed; returns whether it did.
  bool update(int64_t unix_seconds) {
    if (unix_seconds == second_) return false;
    second_ = unix_seconds;
    format_http_date(unix_seconds, buf_);
    return true;
  }
  std::string_view get() const { return std::string_view(buf_, kHttpDateLen); }
  int64_t second() const { return second_; }

 private:
  int64_t second_ = -1;
  char buf_[kHttpDateLen] = {};
};

}  // namespace claribi::http
