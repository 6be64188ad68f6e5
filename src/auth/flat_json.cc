// Allocation-free JSON object member reader: see flat_json.h.
#include "auth/flat_json.h"

#include <array>
#include <cstring>

namespace claribi::auth {
namespace {

constexpr int kMaxDepth = 32;

// Characters that end a run of plain string content: '"', '\\' and controls.
constexpr std::array<bool, 256> make_string_special() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kStringSpecial = make_string_special();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 4 hex digits at p (caller checked they exist and are hex).
uint32_t read_hex4(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 4 | static_cast<uint32_t>(hex_value(p[i]));
  return v;
}

// Appends code point cp as UTF-8 to out[*n..capacity); false if it does not fit.
bool put_utf8(uint32_t cp, char* out, size_t capacity, size_t* n) {
  char buf[4];
  size_t len;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    len = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | cp >> 6);
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | cp >> 12);
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | cp >> 18);
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 4;
  }
  if (capacity - *n < len) return false;
  std::memcpy(out + *n, buf, len);
  *n += len;
  return true;
}

}  // namespace

void JsonObjectReader::skip_ws() {
  while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
}

// At a '"': validates the string and leaves p_ after the closing quote.
bool JsonObjectReader::scan_string(std::string_view* raw, bool* escaped) {
  const char* start = ++p_;
  *escaped = false;
  for (;;) {
    while (p_ < end_ && !kStringSpecial[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '"') break;
    if (*p_ != '\\') return false;  // a raw control character
    *escaped = true;
    if (++p_ == end_) return false;
    switch (*p_) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        break;
      case 'u':
        if (end_ - p_ < 5) return false;
        for (int i = 1; i <= 4; ++i)
          if (hex_value(p_[i]) < 0) return false;
        p_ += 4;
        break;
      default:
        return false;
    }
    ++p_;
  }
  *raw = std::string_view(start, static_cast<size_t>(p_ - start));
  ++p_;
  return true;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool JsonObjectReader::scan_number() {
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ == end_) return false;
  if (*p_ == '0') {
    ++p_;
  } else if (is_digit(*p_)) {
    while (p_ < end_ && is_digit(*p_)) ++p_;
  } else {
    return false;
  }
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    if (p_ == end_ || !is_digit(*p_)) return false;
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return false;
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  return true;
}

// Validates one value at p_ (whitespace already skipped) and moves past it.
bool JsonObjectReader::scan_value(JsonKind* kind, int depth) {
  if (p_ == end_) return false;
  *kind = JsonKind::kOther;
  const char c = *p_;
  if (c == '"') {
    std::string_view raw;
    bool escaped;
    *kind = JsonKind::kString;
    return scan_string(&raw, &escaped);
  }
  if (c == '-' || is_digit(c)) {
    *kind = JsonKind::kNumber;
    return scan_number();
  }
  for (std::string_view lit : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
    if (static_cast<size_t>(end_ - p_) >= lit.size() && std::memcmp(p_, lit.data(), lit.size()) == 0) {
      p_ += lit.size();
      return true;
    }
  }
  if (c != '{' && c != '[') return false;
  if (depth >= kMaxDepth) return false;
  const char close = c == '{' ? '}' : ']';
  ++p_;
  skip_ws();
  if (p_ < end_ && *p_ == close) {
    ++p_;
    return true;
  }
  JsonKind ignored;
  for (;;) {
    if (close == '}') {
      std::string_view raw;
      bool escaped;
      if (p_ == end_ || *p_ != '"' || !scan_string(&raw, &escaped)) return false;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_ws();
    }
    if (!scan_value(&ignored, depth + 1)) return false;
    skip_ws();
    if (p_ == end_) return false;
    if (*p_ == close) {
      ++p_;
      return true;
    }
    if (*p_ != ',') return false;
    ++p_;
    skip_ws();
  }
}

bool JsonObjectReader::next(JsonMember* m) {
  switch (state_) {
    case State::kDone:
    case State::kError:
      return false;
    case State::kStart:
      skip_ws();
      if (p_ == end_ || *p_ != '{') return fail();
      ++p_;
      skip_ws();
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        break;  // empty object: check the tail below
      }
      state_ = State::kFirst;
      [[fallthrough]];
    case State::kFirst:
    case State::kMore: {
      if (state_ == State::kMore) {
        skip_ws();
        if (p_ == end_) return fail();
        if (*p_ == '}') {
          ++p_;
          break;
        }
        if (*p_ != ',') return fail();
        ++p_;
        skip_ws();
      }
      if (p_ == end_ || *p_ != '"' || !scan_string(&m->key, &m->key_escaped)) return fail();
      skip_ws();
      if (p_ == end_ || *p_ != ':') return fail();
      ++p_;
      skip_ws();
      m->value_escaped = false;
      if (p_ < end_ && *p_ == '"') {
        m->kind = JsonKind::kString;
        if (!scan_string(&m->value, &m->value_escaped)) return fail();
      } else {
        const char* value_start = p_;
        if (!scan_value(&m->kind, 1)) return fail();
        m->value = std::string_view(value_start, static_cast<size_t>(p_ - value_start));
      }
      state_ = State::kMore;
      return true;
    }
  }
  // The object closed: only whitespace may follow.
  skip_ws();
  if (p_ != end_) return fail();
  state_ = State::kDone;
  return false;
}

bool json_unescape(std::string_view raw, char* out, size_t capacity, size_t* out_len) {
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    uint32_t cp = static_cast<unsigned char>(raw[i]);
    if (cp == '\\') {  // the reader validated every escape
      switch (raw[++i]) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
          cp = read_hex4(raw.data() + i + 1);
          i += 4;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // high surrogate: a low one must follow
            if (i + 6 >= raw.size() || raw[i + 1] != '\\' || raw[i + 2] != 'u') return false;
            uint32_t lo = read_hex4(raw.data() + i + 3);
            if (lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
          if (!put_utf8(cp, out, capacity, &n)) return false;
          continue;
        default: cp = static_cast<unsigned char>(raw[i]); break;  // '"', '\\', '/'
      }
    }
    if (n == capacity) return false;
    out[n++] = static_cast<char>(cp);
  }
  *out_len = n;
  return true;
}

bool json_string_equals(std::string_view raw, bool escaped, std::string_view text) {
  if (!escaped) return raw == text;
  char buf[64];
  size_t len;
  if (text.size() > sizeof buf || !json_unescape(raw, buf, text.size(), &len)) return false;
  return std::string_view(buf, len) == text;
}

}  // namespace claribi::auth
