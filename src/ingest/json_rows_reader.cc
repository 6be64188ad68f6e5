// JsonRowsReader (see json_rows_reader.h).
//
// Two layers. The splitter is a resumable byte scan over each chunk that
// knows only what it must to find where a top-level array element ends:
// whether it is inside a string, after a backslash, and the bracket depth;
// it copies the element's bytes into one reused buffer. Each complete
// element is then parsed with simdjson On-Demand (every key and value of a
// flat object is visited, so every byte is validated: strings and escapes by
// simdjson, literals and numbers by checking their raw tokens here).
//
// Error positions: simdjson reports what is wrong, not where. When it (or a
// check here) refuses an element, a small iterative JSON grammar checker and
// the UTF-8 validator from value_text.h re-read the element to find the first
// offending byte, so "invalid_json at byte N" points at the bad token, not
// just at the row. A row-level refusal ("nested values", "not an object",
// "too large") is only reported after the same re-read found the element to
// be valid JSON: malformed JSON always wins and is reported as invalid_json.
#include "ingest/json_rows_reader.h"

#include <simdjson.h>

#include <cstring>
#include <functional>
#include <string>

#include "ingest/value_text.h"

namespace claribi::ingest {

namespace {

namespace od = simdjson::ondemand;

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct ByteTable {
  bool v[256];
};

// Inside a string: the bytes the splitter must look at.
constexpr ByteTable make_string_table() {
  ByteTable t{};
  for (int c = 0; c < 0x20; ++c) t.v[c] = true;
  t.v[static_cast<unsigned char>('"')] = true;
  t.v[static_cast<unsigned char>('\\')] = true;
  return t;
}
// Outside strings, inside a container element.
constexpr ByteTable make_structural_table() {
  ByteTable t{};
  for (char c : {'"', '{', '}', '[', ']'}) t.v[static_cast<unsigned char>(c)] = true;
  return t;
}
// What ends a scalar element (a number, a literal, or garbage).
constexpr ByteTable make_scalar_end_table() {
  ByteTable t{};
  for (char c : {' ', '\t', '\n', '\r', ',', ']', '}', '[', '{', '"', ':'}) t.v[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr ByteTable kStringBytes = make_string_table();
constexpr ByteTable kStructural = make_structural_table();
constexpr ByteTable kScalarEnd = make_scalar_end_table();

inline bool in_table(const ByteTable& t, char c) { return t.v[static_cast<unsigned char>(c)]; }

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An iterative JSON grammar checker (RFC 8259; UTF-8 is checked separately),
// used only to find where an element that was refused goes wrong. It checks
// that the text is exactly one value with optional whitespace around it. In
// partial mode the text is a prefix of the element: running out of bytes is
// "incomplete", not an error.
class JsonChecker {
 public:
  enum class Verdict { kValid, kIncomplete, kError };

  JsonChecker(std::string_view t, bool partial) : t_(t), partial_(partial) {}

  Verdict run() {
    enum class Mode { kValue, kValueOrClose, kKey, kKeyOrClose, kAfterValue };
    Mode mode = Mode::kValue;
    std::vector<char> stack;
    for (;;) {
      ws();
      if (i_ >= t_.size()) {
        if (mode == Mode::kAfterValue && stack.empty()) return Verdict::kValid;
        return eof();
      }
      char c = t_[i_];
      switch (mode) {
        case Mode::kValueOrClose:
          if (c == ']') {
            ++i_;
            stack.pop_back();
            mode = Mode::kAfterValue;
            continue;
          }
          [[fallthrough]];
        case Mode::kValue:
          if (c == '{') {
            stack.push_back('{');
            ++i_;
            mode = Mode::kKeyOrClose;
            continue;
          }
          if (c == '[') {
            stack.push_back('[');
            ++i_;
            mode = Mode::kValueOrClose;
            continue;
          }
          if (!scalar()) return verdict_;
          mode = Mode::kAfterValue;
          continue;
        case Mode::kKeyOrClose:
          if (c == '}') {
            ++i_;
            stack.pop_back();
            mode = Mode::kAfterValue;
            continue;
          }
          [[fallthrough]];
        case Mode::kKey:
          if (c != '"') return error(i_, "expected a string key");
          if (!string()) return verdict_;
          ws();
          if (i_ >= t_.size()) return eof();
          if (t_[i_] != ':') return error(i_, "expected ':' after a key");
          ++i_;
          mode = Mode::kValue;
          continue;
        case Mode::kAfterValue:
          if (stack.empty()) return error(i_, "unexpected character after a value");
          if (c == ',') {
            ++i_;
            mode = stack.back() == '{' ? Mode::kKey : Mode::kValue;
            continue;
          }
          if ((stack.back() == '{' && c == '}') || (stack.back() == '[' && c == ']')) {
            ++i_;
            stack.pop_back();
            continue;
          }
          return error(i_, stack.back() == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

  size_t offset() const { return offset_; }
  const char* reason() const { return reason_; }

 private:
  void ws() {
    while (i_ < t_.size() && is_ws(t_[i_])) ++i_;
  }
  Verdict eof() {
    if (partial_) return verdict_ = Verdict::kIncomplete;
    return error(t_.size(), "unexpected end of the value");
  }
  Verdict error(size_t at, const char* why) {
    offset_ = at;
    reason_ = why;
    return verdict_ = Verdict::kError;
  }
  bool fail(size_t at, const char* why) {
    error(at, why);
    return false;
  }
  bool fail_eof() {
    eof();
    return false;
  }
  bool scalar() {
    char c = t_[i_];
    if (c == '"') return string();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (c == '-' || is_digit(c)) return number();
    return fail(i_, "expected a value");
  }
  bool literal(std::string_view w) {
    size_t start = i_;
    for (char c : w) {
      if (i_ >= t_.size()) return cut(start, "invalid literal");
      if (t_[i_] != c) return fail(start, "invalid literal");
      ++i_;
    }
    if (i_ < t_.size() && !in_table(kScalarEnd, t_[i_])) return fail(start, "invalid literal");
    return true;
  }
  bool digits() {
    size_t s = i_;
    while (i_ < t_.size() && is_digit(t_[i_])) ++i_;
    return i_ > s;
  }
  // Out of bytes inside a token: more may come (partial), else the token is bad.
  bool cut(size_t at, const char* why) { return partial_ ? fail_eof() : fail(at, why); }
  bool number() {
    const size_t start = i_;
    if (t_[i_] == '-') ++i_;
    if (i_ >= t_.size()) return cut(start, "invalid number");
    if (t_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return fail(i_, "invalid number");
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (i_ >= t_.size()) return cut(start, "invalid number: expected a digit after '.'");
      if (!digits()) return fail(i_, "invalid number: expected a digit after '.'");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (i_ >= t_.size()) return cut(start, "invalid number: expected a digit in the exponent");
      if (!digits()) return fail(i_, "invalid number: expected a digit in the exponent");
    }
    if (i_ >= t_.size()) return partial_ ? fail_eof() : true;
    if (!in_table(kScalarEnd, t_[i_])) return fail(i_, "invalid number");
    return true;
  }
  // \uXXXX at i_ (i_ at the backslash); its code unit, or -1 (verdict set).
  long unicode_escape() {
    long v = 0;
    for (size_t k = 2; k < 6; ++k) {
      if (i_ + k >= t_.size()) {
        fail_eof();
        return -1;
      }
      int h = hex_value(t_[i_ + k]);
      if (h < 0) {
        fail(i_, "invalid \\u escape");
        return -1;
      }
      v = v * 16 + h;
    }
    return v;
  }
  bool string() {
    ++i_;  // the opening quote
    for (;;) {
      if (i_ >= t_.size()) return fail_eof();
      auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return fail(i_, "control character in a string (it must be escaped)");
      if (c != '\\') {
        ++i_;
        continue;
      }
      if (i_ + 1 >= t_.size()) return fail_eof();
      char e = t_[i_ + 1];
      if (e == 'u') {
        long cu = unicode_escape();
        if (cu < 0) return false;
        if (cu >= 0xDC00 && cu <= 0xDFFF) return fail(i_, "unpaired surrogate in a \\u escape");
        if (cu >= 0xD800 && cu <= 0xDBFF) {
          size_t hi = i_;
          i_ += 6;
          if (i_ + 1 >= t_.size()) return fail_eof();
          if (t_[i_] != '\\' || t_[i_ + 1] != 'u') return fail(hi, "unpaired surrogate in a \\u escape");
          long lo = unicode_escape();
          if (lo < 0) return false;
          if (lo < 0xDC00 || lo > 0xDFFF) return fail(hi, "unpaired surrogate in a \\u escape");
        }
        i_ += 6;
        continue;
      }
      if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return fail(i_, "invalid escape");
      i_ += 2;
    }
  }

  std::string_view t_;
  bool partial_;
  size_t i_ = 0;
  size_t offset_ = 0;
  const char* reason_ = "";
  Verdict verdict_ = Verdict::kValid;
};

// The first error in text (grammar or UTF-8), if any.
bool find_first_error(std::string_view text, bool partial, size_t* offset, std::string* reason) {
  JsonChecker checker(text, partial);
  bool grammar = checker.run() == JsonChecker::Verdict::kError;
  size_t bad_utf8 = utf8_first_invalid(text, partial);
  if (bad_utf8 != std::string_view::npos && (!grammar || bad_utf8 <= checker.offset())) {
    *offset = bad_utf8;
    *reason = "invalid UTF-8";
    return true;
  }
  if (grammar) {
    *offset = checker.offset();
    *reason = checker.reason();
    return true;
  }
  return false;
}

std::string quoted_key(std::string_view key) {
  constexpr size_t kMax = 200;
  if (key.size() > kMax) {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
    return "\"" + std::string(key.substr(0, cut)) + "...\"";
  }
  return "\"" + std::string(key) + "\"";
}

}  // namespace

struct JsonRowsReader::Parser {
  simdjson::ondemand::parser od;
};

JsonRowsReader::JsonRowsReader(JsonRowsOptions options) : opt_(options), parser_(std::make_unique<Parser>()) {}
JsonRowsReader::~JsonRowsReader() = default;
JsonRowsReader::JsonRowsReader(JsonRowsReader&&) noexcept = default;
JsonRowsReader& JsonRowsReader::operator=(JsonRowsReader&&) noexcept = default;

Status JsonRowsReader::feed(std::string_view bytes, JsonRowsSink& sink) {
  if (err_kind_ != RowsError::kNone) return error_;
  Status s = scan(bytes.data(), bytes.size(), sink);
  abs_ += bytes.size();
  return s;
}

Status JsonRowsReader::finish(JsonRowsSink& sink) {
  (void)sink;
  if (err_kind_ != RowsError::kNone) return error_;
  switch (state_) {
    case State::kAfterArray:
      return Status::Ok();
    case State::kBeforeArray:
      return invalid_json(abs_, abs_ == 0 ? "empty body: expected a JSON array" : "expected '['");
    case State::kInElement: {
      size_t off;
      std::string reason;
      if (find_first_error(std::string_view(elem_.data(), elem_len_), true, &off, &reason))
        return invalid_json(elem_start_ + off, reason);
      return invalid_json(abs_, "unexpected end of the body inside row " + std::to_string(rows_ + 1));
    }
    case State::kFirstElement:
    case State::kNextElement:
    case State::kAfterElement:
      break;
  }
  return invalid_json(abs_, "unexpected end of the body: the array is not closed");
}

Status JsonRowsReader::scan(const char* d, size_t n, JsonRowsSink& sink) {
  size_t i = 0;
  while (i < n) {
    switch (state_) {
      case State::kBeforeArray: {
        char c = d[i];
        if (is_ws(c)) {
          ++i;
          continue;
        }
        if (c != '[') return invalid_json(abs_ + i, "expected '[': the body must be a JSON array of objects");
        ++i;
        state_ = State::kFirstElement;
        continue;
      }
      case State::kFirstElement:
      case State::kNextElement: {
        char c = d[i];
        if (is_ws(c)) {
          ++i;
          continue;
        }
        if (c == ']') {
          if (state_ == State::kNextElement) return invalid_json(abs_ + i, "expected a value after ','");
          ++i;
          state_ = State::kAfterArray;
          continue;
        }
        if (c == ',' || c == ':' || c == '}') return invalid_json(abs_ + i, "expected a value");
        elem_start_ = abs_ + i;
        elem_.clear();
        elem_len_ = 0;
        depth_ = 0;
        in_string_ = false;
        escape_ = false;
        first_ = c;
        state_ = State::kInElement;
        [[fallthrough]];
      }
      case State::kInElement: {
        const size_t start = i;
        bool done = false;
        if (first_ != '{' && first_ != '[' && first_ != '"') {
          while (i < n && !in_table(kScalarEnd, d[i])) ++i;
          done = i < n;
        } else {
          while (i < n) {
            if (in_string_) {
              if (escape_) {
                escape_ = false;
                ++i;
                continue;
              }
              while (i < n && !in_table(kStringBytes, d[i])) ++i;
              if (i == n) break;
              char c = d[i];
              if (c == '\\') {
                escape_ = true;
                ++i;
                continue;
              }
              if (c != '"') {  // a raw control character
                Status s = append_element(d, start, i);
                if (!s.ok()) return s;
                size_t off;
                std::string reason;
                if (find_first_error(std::string_view(elem_.data(), elem_len_), true, &off, &reason))
                  return invalid_json(elem_start_ + off, reason);
                return invalid_json(abs_ + i, "control character in a string (it must be escaped)");
              }
              in_string_ = false;
              ++i;
              if (depth_ == 0) {  // the element is a string
                done = true;
                break;
              }
              continue;
            }
            while (i < n && !in_table(kStructural, d[i])) ++i;
            if (i == n) break;
            char c = d[i++];
            if (c == '"') {
              in_string_ = true;
            } else if (c == '{' || c == '[') {
              ++depth_;
            } else if (--depth_ == 0) {
              done = true;
              break;
            }
          }
        }
        Status s = append_element(d, start, i);
        if (!s.ok()) return s;
        if (!done) {
          i = n;
          break;
        }
        state_ = State::kAfterElement;
        s = element_done(sink);
        if (!s.ok()) return s;
        continue;
      }
      case State::kAfterElement: {
        char c = d[i];
        if (is_ws(c)) {
          ++i;
          continue;
        }
        if (c == ',') {
          ++i;
          state_ = State::kNextElement;
          continue;
        }
        if (c == ']') {
          ++i;
          state_ = State::kAfterArray;
          continue;
        }
        return invalid_json(abs_ + i, "expected ',' or ']' after an array element");
      }
      case State::kAfterArray:
        if (is_ws(d[i])) {
          ++i;
          continue;
        }
        return invalid_json(abs_ + i, "unexpected data after the closing ']'");
    }
  }
  return Status::Ok();
}

Status JsonRowsReader::append_element(const char* d, size_t from, size_t to) {
  size_t add = to - from;
  if (elem_len_ + add > opt_.max_element_bytes) {
    size_t room = opt_.max_element_bytes - elem_len_;
    elem_.append(d + from, room);
    elem_len_ += room;
    size_t off;
    std::string reason;
    if (find_first_error(std::string_view(elem_.data(), elem_len_), true, &off, &reason))
      return invalid_json(elem_start_ + off, reason);
    return invalid_row(std::string(), "row " + std::to_string(rows_ + 1) + " is larger than " +
                                          std::to_string(opt_.max_element_bytes) + " bytes",
                       false);
  }
  elem_.append(d + from, add);
  elem_len_ += add;
  return Status::Ok();
}

// The element is refused: say where the JSON goes wrong, or, when it is valid
// JSON after all, what simdjson said, at the element's first byte.
Status JsonRowsReader::locate_invalid(std::string_view fallback_reason, bool partial) {
  size_t off;
  std::string reason;
  if (find_first_error(std::string_view(elem_.data(), elem_len_), partial, &off, &reason))
    return invalid_json(elem_start_ + off, reason);
  return invalid_json(elem_start_, fallback_reason);
}

Status JsonRowsReader::element_done(JsonRowsSink& sink) {
  if (first_ != '{') {
    size_t off;
    std::string reason;
    if (find_first_error(std::string_view(elem_.data(), elem_len_), false, &off, &reason))
      return invalid_json(elem_start_ + off, reason);
    return invalid_row(std::string(), "row " + std::to_string(rows_ + 1) + " is not an object", false);
  }
  return parse_object(sink);
}

Status JsonRowsReader::parse_object(JsonRowsSink& sink) {
  const uint64_t row = rows_ + 1;
  elem_.resize(elem_len_ + simdjson::SIMDJSON_PADDING);
  od::document doc;
  auto err = parser_->od.iterate(elem_.data(), elem_len_, elem_.size()).get(doc);
  if (err) return locate_invalid(simdjson::error_message(err), false);
  od::object obj;
  if ((err = doc.get_object().get(obj))) return locate_invalid(simdjson::error_message(err), false);
  cells_.clear();  // slots_ is rebuilt when a row passes the linear-scan width
  for (auto field_result : obj) {
    od::field field;
    if ((err = std::move(field_result).get(field))) return locate_invalid(simdjson::error_message(err), false);
    std::string_view key;
    if ((err = field.unescaped_key().get(key))) return locate_invalid(simdjson::error_message(err), false);
    od::value value = field.value();
    od::json_type type;
    if ((err = value.type().get(type))) return locate_invalid(simdjson::error_message(err), false);
    JsonCell cell{key, JsonValueKind::kNull, false, 0, 0.0, std::string_view()};
    switch (type) {
      case od::json_type::array:
      case od::json_type::object: {
        size_t off;
        std::string reason;
        if (find_first_error(std::string_view(elem_.data(), elem_len_), false, &off, &reason))
          return invalid_json(elem_start_ + off, reason);
        return invalid_row(std::string(key), "nested values are not allowed");
      }
      case od::json_type::string: {
        std::string_view s;
        if ((err = value.get_string().get(s))) return locate_invalid(simdjson::error_message(err), false);
        cell.kind = JsonValueKind::kString;
        cell.text = s;
        break;
      }
      case od::json_type::boolean:
      case od::json_type::null: {
        std::string_view tok = trim_ws(value.raw_json_token());
        if (tok == "true" || tok == "false") {
          cell.kind = JsonValueKind::kBool;
          cell.b = tok[0] == 't';
          cell.text = cell.b ? std::string_view("true") : std::string_view("false");
        } else if (tok != "null") {
          return invalid_json(elem_start_ + uint64_t(tok.data() - elem_.data()), "invalid literal");
        }
        break;
      }
      case od::json_type::number: {
        std::string_view tok = trim_ws(value.raw_json_token());
        uint64_t tok_off = uint64_t(tok.data() - elem_.data());
        JsonChecker check(tok, false);
        if (check.run() != JsonChecker::Verdict::kValid)
          return invalid_json(elem_start_ + tok_off + check.offset(), check.reason());
        cell.text = tok;
        bool integral = tok.find_first_of(".eE") == std::string_view::npos;
        std::optional<int64_t> iv = integral ? parse_int64_text(tok) : std::nullopt;
        if (iv) {
          cell.kind = JsonValueKind::kInt;
          cell.i = *iv;
          cell.f = double(*iv);
        } else {
          std::optional<double> fv = parse_float_text(tok);
          if (!fv) {
            size_t off;
            std::string reason;
            if (find_first_error(std::string_view(elem_.data(), elem_len_), false, &off, &reason))
              return invalid_json(elem_start_ + off, reason);
            return invalid_row(std::string(key), "number out of range for a double");
          }
          cell.kind = JsonValueKind::kFloat;
          cell.f = *fv;
        }
        break;
      }
    }
    size_t at = upsert_cell(key);
    cells_[at] = cell;
  }
  bool go_on = sink.on_row(row, std::span<const JsonCell>(cells_.data(), cells_.size()));
  ++rows_;
  if (!go_on) {
    err_kind_ = RowsError::kStopped;
    err_row_ = row;
    err_column_.clear();
    error_ = Status::InvalidArgument("row " + std::to_string(row) + ": rejected");
    return error_;
  }
  return Status::Ok();
}

// Index of the cell for key in cells_, appending one for a new key (last
// value wins, first position kept). Small rows: a linear scan; wide rows: an
// open-addressing table over cells_ built once they pass kLinear keys.
size_t JsonRowsReader::upsert_cell(std::string_view key) {
  constexpr size_t kLinear = 16;
  const size_t n = cells_.size();
  if (n < kLinear) {
    for (size_t k = 0; k < n; ++k)
      if (cells_[k].key == key) return k;
    cells_.push_back(JsonCell{key, JsonValueKind::kNull, false, 0, 0.0, std::string_view()});
    if (cells_.size() < kLinear) return n;
  } else {
    size_t mask = slots_.size() - 1;
    size_t h = std::hash<std::string_view>()(key) & mask;
    while (slots_[h] != 0) {
      size_t k = slots_[h] - 1;
      if (cells_[k].key == key) return k;
      h = (h + 1) & mask;
    }
    cells_.push_back(JsonCell{key, JsonValueKind::kNull, false, 0, 0.0, std::string_view()});
    slots_[h] = uint32_t(cells_.size());
    if (cells_.size() * 2 <= slots_.size()) return n;
  }
  // (Re)build the table: at most half full.
  size_t cap = 64;
  while (cap < cells_.size() * 4) cap *= 2;
  slots_.assign(cap, 0u);
  for (size_t k = 0; k < cells_.size(); ++k) {
    size_t h = std::hash<std::string_view>()(cells_[k].key) & (cap - 1);
    while (slots_[h] != 0) h = (h + 1) & (cap - 1);
    slots_[h] = uint32_t(k + 1);
  }
  return cells_.size() - 1;
}

Status JsonRowsReader::invalid_json(uint64_t offset, std::string_view reason) {
  err_kind_ = RowsError::kInvalidJson;
  err_offset_ = offset;
  err_row_ = 0;
  error_ = Status::InvalidArgument("invalid_json at byte " + std::to_string(offset) + ": " + std::string(reason));
  return error_;
}

Status JsonRowsReader::invalid_row(std::string column, std::string_view what, bool column_in_message) {
  err_kind_ = RowsError::kInvalidRow;
  err_row_ = rows_ + 1;
  err_offset_ = elem_start_;
  std::string msg;
  if (column_in_message) {
    msg = "row " + std::to_string(err_row_) + ", column " + quoted_key(column) + ": " + std::string(what);
  } else {
    msg = std::string(what);
  }
  err_column_ = std::move(column);
  error_ = Status::InvalidArgument(std::move(msg));
  return error_;
}

}  // namespace claribi::ingest
