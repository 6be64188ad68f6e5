// What the session tests share: driving an HttpSession as Connection does,
// on a reactor that is never started.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "net/http_session.h"
#include "net/reactor.h"

namespace claribi::net::testing {

// Options of the test reactor: no access log.
inline NetOptions quiet_options() {
  NetOptions o;
  o.access_log = AccessLogMode::kOff;
  return o;
}

// Bytes arriving from the client, then processed (they must fit the buffer).
inline void feed(HttpSession& session, std::string_view raw) {
  size_t avail = 0;
  char* p = session.write_ptr(&avail);
  ASSERT_GE(avail, raw.size());
  raw.copy(p, raw.size());
  session.commit(raw.size());
  session.process_input();
}

}  // namespace claribi::net::testing
