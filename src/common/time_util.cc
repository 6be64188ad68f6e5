#include "common/time_util.h"

#include <cstdio>
#include <ctime>

namespace claribi {

int64_t unix_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

int64_t unix_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

namespace {
void put2(char* p, int v) { p[0] = char('0' + v / 10); p[1] = char('0' + v % 10); }
void put4(char* p, int v) {
  p[0] = char('0' + v / 1000); p[1] = char('0' + v / 100 % 10);
  p[2] = char('0' + v / 10 % 10); p[3] = char('0' + v % 10);
}

int parse_digits(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
}  // namespace

size_t format_iso8601(int64_t t, char* out) {
  time_t tt = time_t(t);
  tm g;
  gmtime_r(&tt, &g);
  put4(out, g.tm_year + 1900); out[4] = '-';
  put2(out + 5, g.tm_mon + 1); out[7] = '-';
  put2(out + 8, g.tm_mday); out[10] = 'T';
  put2(out + 11, g.tm_hour); out[13] = ':';
  put2(out + 14, g.tm_min); out[16] = ':';
  put2(out + 17, g.tm_sec); out[19] = 'Z';
  return kIso8601Len;
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int y = parse_digits(s, 0, 4), mo = parse_digits(s, 5, 2), d = parse_digits(s, 8, 2);
  int h = parse_digits(s, 11, 2), mi = parse_digits(s, 14, 2), se = parse_digits(s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || se < 0 || se > 60)
    return std::nullopt;
  static constexpr int kDaysIn[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDaysIn[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;  // no February 31st
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  std::string_view rest = s.substr(i);
  if (rest != "Z" && rest != "+00:00" && rest != "+0000") return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  int yy = y - (mo <= 2);
  int era = yy / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t(era) * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + se;
}

size_t format_http_date(int64_t t, char* out) {
  static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t tt = time_t(t);
  tm g;
  gmtime_r(&tt, &g);
  const char* day = kDays[g.tm_wday];
  const char* mon = kMonths[g.tm_mon];
  out[0] = day[0]; out[1] = day[1]; out[2] = day[2]; out[3] = ','; out[4] = ' ';
  put2(out + 5, g.tm_mday); out[7] = ' ';
  out[8] = mon[0]; out[9] = mon[1]; out[10] = mon[2]; out[11] = ' ';
  put4(out + 12, g.tm_year + 1900); out[16] = ' ';
  put2(out + 17, g.tm_hour); out[19] = ':';
  put2(out + 20, g.tm_min); out[22] = ':';
  put2(out + 23, g.tm_sec);
  out[25] = ' '; out[26] = 'G'; out[27] = 'M'; out[28] = 'T';
  return kHttpDateLen;
}

}  // namespace claribi
