// Report schedules (cron expressions and @macros) from arbitrary text; a
// schedule that parses gives next times that move forward.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace claribi::model;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CronSchedule s;
  std::string error;
  if (!parse_cron(text, &s, &error)) return 0;
  int64_t t = 1'700'000'000;
  for (int i = 0; i < 4; ++i) {
    int64_t next = next_cron_time(s, t);
    if (next == 0) break;
    if (next <= t) __builtin_trap();
    t = next;
  }
  return 0;
}
