// Cron expressions for report schedules: a hand-written parser over the input
// view that allocates nothing unless it has an error to report, and a walk over
// months, days and hours for the next firing time. UTC date math uses Howard
// Hinnant's civil_from_days, reimplemented here, so nothing depends on the C
// library's time zone state.
#include "model/cron.h"

#include <bit>
#include <cstdio>
#include <initializer_list>

namespace claribi::model {
namespace {

// One of the five fields: its name in messages, its range, its names if any.
struct Field {
  std::string_view label;
  int min, max;
  const std::string_view* names;  // lower case, names[i] means min + i; null: numbers only
  int name_count;
  std::string_view name_kind;  // "month" / "day" in "unknown month name ..."
};

constexpr std::string_view kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr Field kFields[5] = {
    {"minute", 0, 59, nullptr, 0, {}},
    {"hour", 0, 23, nullptr, 0, {}},
    {"day-of-month", 1, 31, nullptr, 0, {}},
    {"month", 1, 12, kMonthNames, 12, "month"},
    {"day-of-week", 0, 7, kDayNames, 7, "day"},  // 7 is Sunday again, by number only
};

struct Macro {
  std::string_view name;  // lower case, with the '@'
  std::string_view expansion;
};
constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

constexpr int kSaturate = 1000000;  // numbers stop growing here; messages quote the text

bool is_separator(char c) { return c == ' ' || c == '\t'; }
bool is_trimmed(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// `text` equals the lower-case `lower`, ignoring the case of `text`.
bool iequals(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (to_lower(text[i]) != lower[i]) return false;
  return true;
}

// 'text' in single quotes, bytes outside printable ASCII as \xNN.
std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  out += '\'';
  return out;
}

bool fail(std::string* error, std::initializer_list<std::string_view> parts) {
  if (error) {
    error->clear();
    for (std::string_view p : parts) error->append(p);
  }
  return false;
}

// Parses one field's text into a bit set (bit v for value v, before folding 7
// into Sunday). Messages start with "<label> field: ".
class FieldParser {
 public:
  FieldParser(const Field& f, std::string_view text, std::string* error) : f_(f), s_(text), error_(error) {}

  bool parse(uint64_t* bits) {
    uint64_t acc = 0;
    for (;;) {
      if (done() || peek() == ',') return fail_field({"empty list item"});
      if (!item(&acc)) return false;
      if (done()) break;
      ++pos_;  // item() stops only at the end or at ','
    }
    *bits = acc;
    return true;
  }

 private:
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  bool fail_field(std::initializer_list<std::string_view> parts) {
    if (error_) {
      error_->assign(f_.label);
      error_->append(" field: ");
      for (std::string_view p : parts) error_->append(p);
    }
    return false;
  }

  bool unexpected() { return fail_field({"unexpected character ", quote(s_.substr(pos_, 1))}); }

  std::string_view digits() {
    size_t start = pos_;
    while (!done() && is_digit(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  static int to_int(std::string_view digits) {
    int v = 0;
    for (char c : digits) {
      v = v * 10 + (c - '0');
      if (v > kSaturate) v = kSaturate;
    }
    return v;
  }

  std::string range_text() const { return std::to_string(f_.min) + "-" + std::to_string(f_.max); }

  // A number or (in month / day-of-week) a name. `missing` names what is
  // absent when the value is.
  bool value(int* out, std::string_view missing) {
    if (done() || peek() == ',') return fail_field({missing});
    if (is_digit(peek())) {
      std::string_view token = digits();
      int v = to_int(token);
      if (v < f_.min || v > f_.max) return fail_field({token, " is out of range ", range_text()});
      *out = v;
      return true;
    }
    if (is_alpha(peek())) {
      size_t start = pos_;
      while (!done() && is_alpha(peek())) ++pos_;
      std::string_view token = s_.substr(start, pos_ - start);
      if (f_.names == nullptr)
        return fail_field({"names such as ", quote(token), " are allowed only in the month and day-of-week fields"});
      for (int i = 0; i < f_.name_count; ++i) {
        if (iequals(token, f_.names[i])) {
          *out = f_.min + i;
          return true;
        }
      }
      return fail_field({"unknown ", f_.name_kind, " name ", quote(token)});
    }
    return unexpected();
  }

  // `*`, `v`, `a-b`, each optionally followed by `/step`. Stops at ',' or the end.
  bool item(uint64_t* acc) {
    const size_t start = pos_;
    int lo = f_.min, hi = f_.max;
    bool single = false;
    if (peek() == '*') {
      ++pos_;
    } else {
      if (!value(&lo, "missing value")) return false;
      hi = lo;
      single = true;
      if (!done() && peek() == '-') {
        ++pos_;
        if (!value(&hi, "missing end of range after '-'")) return false;
        single = false;
        if (lo > hi)
          return fail_field({"range ", s_.substr(start, pos_ - start), " starts after it ends"});
      }
    }
    int step = 1;
    if (!done() && peek() == '/') {
      ++pos_;
      if (done() || peek() == ',') return fail_field({"missing step after '/'"});
      if (is_alpha(peek())) return fail_field({"step must be a number"});
      if (!is_digit(peek())) return unexpected();
      std::string_view token = digits();
      step = to_int(token);
      if (step == 0) return fail_field({"step 0 is not allowed"});
      if (step > f_.max - f_.min)
        return fail_field({"step ", token, " is larger than the field range ", range_text()});
      if (single) hi = f_.max;  // `a/n` means `a-max/n`, as in Vixie cron
    }
    if (!done() && peek() != ',') return unexpected();
    for (int v = lo; v <= hi; v += step) *acc |= uint64_t{1} << v;
    return true;
  }

  const Field& f_;
  std::string_view s_;
  std::string* error_;
  size_t pos_ = 0;
};

// ---- UTC calendar (proleptic Gregorian; day 0 = 1970-01-01) ----

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b) < 0 ? 1 : 0); }

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

unsigned days_in_month(int64_t y, unsigned m) {
  if (m != 2) return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
  return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
}

// 0 = Sunday; 1970-01-01 was a Thursday.
unsigned weekday_from_days(int64_t z) {
  const int64_t r = (z + 4) % 7;
  return static_cast<unsigned>(r < 0 ? r + 7 : r);
}

}  // namespace

bool parse_cron(std::string_view text, CronSchedule* out, std::string* error) {
  if (text.size() > kMaxCronLength)
    return fail(error, {"expression is longer than ", std::to_string(kMaxCronLength), " characters"});
  while (!text.empty() && is_trimmed(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_trimmed(text.back())) text.remove_suffix(1);
  if (text.empty()) return fail(error, {"empty expression: expected 5 fields or a macro such as @daily"});

  if (text.front() == '@') {
    size_t end = 0;
    while (end < text.size() && !is_separator(text[end])) ++end;
    std::string_view name = text.substr(0, end);
    for (const Macro& m : kMacros) {
      if (!iequals(name, m.name)) continue;
      if (end != text.size()) return fail(error, {m.name, " cannot be followed by other fields"});
      return parse_cron(m.expansion, out, error);
    }
    return fail(error, {"unknown macro ", quote(name),
                        " (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"});
  }

  std::string_view fields[5];
  size_t count = 0, pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_separator(text[pos])) ++pos;
    size_t start = pos;
    while (pos < text.size() && !is_separator(text[pos])) ++pos;
    if (count < 5) fields[count] = text.substr(start, pos - start);
    ++count;
  }
  if (count != 5) return fail(error, {"expected 5 fields, got ", std::to_string(count)});

  uint64_t bits[5];
  for (size_t i = 0; i < 5; ++i)
    if (!FieldParser(kFields[i], fields[i], error).parse(&bits[i])) return false;

  CronSchedule r;
  r.minutes = bits[0];
  r.hours = static_cast<uint32_t>(bits[1]);
  r.days_of_month = static_cast<uint32_t>(bits[2]);
  r.months = static_cast<uint16_t>(bits[3]);
  r.days_of_week = static_cast<uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7f);
  // As Vixie cron: a field starting with '*' ("*", "*/2") is unrestricted.
  r.dom_restricted = fields[2].front() != '*';
  r.dow_restricted = fields[4].front() != '*';
  if (out) *out = r;
  return true;
}

int64_t next_cron_time(const CronSchedule& s, int64_t after) {
  constexpr int64_t kHorizonDays = 5 * 366;
  constexpr int64_t kMaxAbs = int64_t{1} << 52;  // ~140 million years; keeps the arithmetic far from overflow
  if (after > kMaxAbs || after < -kMaxAbs) return 0;

  // Bits outside each field's range are ignored (a hand-built schedule may have them).
  const uint64_t minutes = s.minutes & ((uint64_t{1} << 60) - 1);
  const uint32_t hours = s.hours & ((uint32_t{1} << 24) - 1);
  const uint32_t dom = s.days_of_month & ~uint32_t{1};
  const unsigned months = s.months & 0x1ffeu;
  const unsigned dow = s.days_of_week & 0x7fu;
  const bool either_day = s.dom_restricted && s.dow_restricted;

  const int64_t limit = after + kHorizonDays * 86400;
  const int64_t last_day = floor_div(limit, 86400);
  const int64_t first_minute = floor_div(after, 60) + 1;  // strictly after `after`
  int64_t day = floor_div(first_minute, 1440);
  int start = static_cast<int>(first_minute - day * 1440);  // minute of `day` to start from

  while (day <= last_day) {
    const Civil c = civil_from_days(day);
    if (!((months >> c.month) & 1)) {  // skip to the 1st of the next month
      day += 1 + days_in_month(c.year, c.month) - static_cast<int64_t>(c.day);
      start = 0;
      continue;
    }
    const bool dom_ok = (dom >> c.day) & 1;
    const bool dow_ok = (dow >> weekday_from_days(day)) & 1;
    if (either_day ? (dom_ok || dow_ok) : (dom_ok && dow_ok)) {
      for (int h = start / 60, m0 = start % 60; h < 24; ++h, m0 = 0) {
        if (!((hours >> h) & 1)) continue;
        const uint64_t left = minutes >> m0;
        if (left == 0) continue;
        const int64_t t = (day * 1440 + h * 60 + m0 + std::countr_zero(left)) * 60;
        return t <= limit ? t : 0;
      }
    }
    ++day;
    start = 0;
  }
  return 0;
}

}  // namespace claribi::model
