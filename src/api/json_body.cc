#include "api/json_body.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace claribi::api {

namespace {

// A small recursive-descent JSON checker, used only after simdjson has
// rejected a body, to tell the client where the first error is.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view t) : t_(t) {}
  int64_t run() {
    ws();
    if (!value(0)) return int64_t(pos_);
    ws();
    if (pos_ != t_.size()) return int64_t(pos_);
    return -1;
  }

 private:
  void ws() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) ++pos_;
  }
  bool lit(std::string_view w) {
    for (char c : w) {
      if (pos_ >= t_.size() || t_[pos_] != c) return false;
      ++pos_;
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 1024 || pos_ >= t_.size()) return false;
    char c = t_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == 't') return lit("true");
    if (c == 'f') return lit("false");
    if (c == 'n') return lit("null");
    return number();
  }
  bool object(int depth) {
    ++pos_;
    ws();
    if (pos_ < t_.size() && t_[pos_] == '}') { ++pos_; return true; }
    for (;;) {
      ws();
      if (pos_ >= t_.size() || t_[pos_] != '"' || !string()) return false;
      ws();
      if (pos_ >= t_.size() || t_[pos_] != ':') return false;
      ++pos_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (pos_ >= t_.size()) return false;
      if (t_[pos_] == ',') { ++pos_; continue; }
      if (t_[pos_] == '}') { ++pos_; return true; }
      return false;
    }
  }
  bool array(int depth) {
    ++pos_;
    ws();
    if (pos_ < t_.size() && t_[pos_] == ']') { ++pos_; return true; }
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (pos_ >= t_.size()) return false;
      if (t_[pos_] == ',') { ++pos_; continue; }
      if (t_[pos_] == ']') { ++pos_; return true; }
      return false;
    }
  }
  // A string; invalid UTF-8 and unpaired surrogate escapes are errors at
  // their first byte (simdjson refuses both).
  bool string() {
    ++pos_;
    while (pos_ < t_.size()) {
      auto c = static_cast<unsigned char>(t_[pos_]);
      if (c == '"') { ++pos_; return true; }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        size_t n = utf8_sequence_length(t_, pos_);
        if (n == 0) return false;
        pos_ += n;
        continue;
      }
      if (c == '\\') {
        size_t at = pos_;
        ++pos_;
        if (pos_ >= t_.size()) return false;
        char e = t_[pos_];
        if (e == 'u') {
          uint32_t u = 0;
          if (!hex4(pos_ + 1, &u)) return false;
          pos_ += 5;
          if (u >= 0xDC00 && u <= 0xDFFF) { pos_ = at; return false; }  // a low surrogate alone
          if (u >= 0xD800 && u <= 0xDBFF) {  // must be followed by \\u of a low surrogate
            uint32_t low = 0;
            if (pos_ + 1 >= t_.size() || t_[pos_] != '\\' || t_[pos_ + 1] != 'u' || !hex4(pos_ + 2, &low) ||
                low < 0xDC00 || low > 0xDFFF) {
              pos_ = at;
              return false;
            }
            pos_ += 6;
          }
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return false;
      }
      ++pos_;
    }
    return false;
  }
  bool hex4(size_t from, uint32_t* out) {
    *out = 0;
    for (size_t i = 0; i < 4; ++i) {
      if (from + i >= t_.size()) return false;
      auto h = static_cast<unsigned char>(t_[from + i]);
      if (!std::isxdigit(h)) return false;
      *out = *out * 16 + uint32_t(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    return true;
  }
  bool digits() {
    size_t start = pos_;
    while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  // A number; one simdjson cannot hold (an integer past 64 bits, a float
  // that overflows to infinity) is an error at its first byte.
  bool number() {
    const size_t start = pos_;
    bool negative = false, integer = true;
    if (pos_ < t_.size() && t_[pos_] == '-') { ++pos_; negative = true; }
    if (pos_ < t_.size() && t_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (pos_ < t_.size() && t_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (!digits()) return false;
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
    std::string text(t_.substr(start, pos_ - start));
    errno = 0;
    if (integer) {
      if (negative) (void)std::strtoll(text.c_str(), nullptr, 10);
      else (void)std::strtoull(text.c_str(), nullptr, 10);
    } else {
      double d = std::strtod(text.c_str(), nullptr);
      if (!std::isfinite(d)) errno = ERANGE;
      else errno = 0;  // underflow to 0 or a denormal is a number simdjson takes
    }
    if (errno == ERANGE) { pos_ = start; return false; }
    return true;
  }
  std::string_view t_;
  size_t pos_ = 0;
};

bool is_json_content_type(std::string_view ct) { return has_media_type(ct, "application/json"); }

std::string type_name(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "an integer";
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

}  // namespace

int64_t json_error_offset(std::string_view text) { return JsonChecker(text).run(); }

bool has_media_type(std::string_view content_type, std::string_view type) {
  std::string_view mt = content_type.substr(0, content_type.find(';'));
  while (!mt.empty() && (mt.back() == ' ' || mt.back() == '\t')) mt.remove_suffix(1);
  while (!mt.empty() && (mt.front() == ' ' || mt.front() == '\t')) mt.remove_prefix(1);
  return http::iequals(mt, type);
}

namespace {
// A body of JSON whitespace only counts as none ({} for parse_json_object).
bool blank_body(std::string_view body) { return body.find_first_not_of(" \t\r\n") == std::string_view::npos; }
}  // namespace

bool check_body_media_type(const http::Request& req, http::Response& r) {
  if (blank_body(req.body) || is_json_content_type(req.header("content-type"))) return true;
  http::render_error(r, http::ErrorCode::kUnsupportedMediaType,
                     "Send the body as JSON with Content-Type: application/json.");
  return false;
}

namespace {

// What no field of a body may hold: a key named twice in one object, or a
// NUL character in any string (names, emails, ids). The first one found,
// with the path of the field ("name", "query.metrics[0].op").
class BodyRules {
 public:
  bool check(simdjson::dom::element e) { return value(e); }
  const std::string& path() const { return path_; }
  const char* problem() const { return problem_; }

 private:
  bool value(simdjson::dom::element e) {
    switch (e.type()) {
      case simdjson::dom::element_type::OBJECT: return object(simdjson::dom::object(e));
      case simdjson::dom::element_type::ARRAY: {
        size_t i = 0, mark = path_.size();
        for (simdjson::dom::element item : simdjson::dom::array(e)) {
          path_.append("[").append(std::to_string(i++)).append("]");
          if (!value(item)) return false;
          path_.resize(mark);
        }
        return true;
      }
      case simdjson::dom::element_type::STRING: {
        std::string_view text(e.get_string().value_unsafe());
        if (text.find('\0') != std::string_view::npos) return refuse("Text may not contain NUL (\\u0000).");
        return true;
      }
      default: return true;
    }
  }
  bool object(simdjson::dom::object o) {
    const size_t mark = path_.size();
    const size_t n = o.size();
    // Duplicates: pairwise for small objects, sorted for large ones (a body
    // of many keys must not cost n²).
    std::vector<std::string_view> keys;
    if (n > 32) {
      keys.reserve(n);
      for (auto field : o) keys.push_back(field.key);
      std::sort(keys.begin(), keys.end());
      auto dup = std::adjacent_find(keys.begin(), keys.end());
      if (dup != keys.end()) return refuse_key(mark, *dup, "This field is named twice; send it once.");
    }
    size_t index = 0;
    for (auto field : o) {
      std::string_view k = field.key;
      if (k.find('\0') != std::string_view::npos) return refuse_key(mark, k, "A field name may not contain NUL (\\u0000).");
      if (n <= 32) {
        size_t j = 0;
        for (auto earlier : o) {
          if (j++ == index) break;
          if (earlier.key == k) return refuse_key(mark, k, "This field is named twice; send it once.");
        }
      }
      ++index;
      if (mark > 0) path_.push_back('.');
      path_.append(k);
      if (!value(field.value)) return false;
      path_.resize(mark);
    }
    return true;
  }
  bool refuse_key(size_t mark, std::string_view key, const char* why) {
    path_.resize(mark);
    if (mark > 0) path_.push_back('.');
    path_.append(key);
    return refuse(why);
  }
  bool refuse(const char* why) {
    problem_ = why;
    if (path_.empty()) path_ = "non_field_errors";
    return false;
  }

  std::string path_;
  const char* problem_ = nullptr;
};

}  // namespace

bool parse_json_object(const http::Request& req, http::Response& r, simdjson::dom::parser& parser,
                       simdjson::dom::object* out) {
  std::string_view body = req.body;
  const bool blank = blank_body(body);
  // (The Content-Type was checked by the pipeline for every buffered route:
  // check_body_media_type.)
  static constexpr std::string_view kEmpty = "{}";
  simdjson::dom::element doc;
  // The connection keeps SIMDJSON_PADDING readable bytes after every body.
  static_assert(simdjson::SIMDJSON_PADDING <= 64, "Http1Parser keeps 64 bytes of padding");
  auto err = blank ? parser.parse(kEmpty.data(), kEmpty.size(), true).get(doc)
                   : parser.parse(reinterpret_cast<const uint8_t*>(body.data()), body.size(), false).get(doc);
  if (err) {
    int64_t off = json_error_offset(body);
    if (off < 0) off = int64_t(body.size());
    http::render_error(r, http::ErrorCode::kInvalidJson,
                       "JSON parse error at byte offset " + std::to_string(off) + ".");
    return false;
  }
  if (doc.get(*out)) {
    http::FieldErrors fe;
    fe.add("non_field_errors", "Expected a JSON object, got " + type_name(doc.type()) + ".");
    http::render_error(r, http::ErrorCode::kValidationError, "The request body must be a JSON object.", &fe);
    return false;
  }
  if (BodyRules rules; !rules.check(doc)) {
    http::FieldErrors fe;
    fe.add(rules.path(), rules.problem());
    http::render_error(r, http::ErrorCode::kValidationError,
                       "A field is named twice, or text holds a NUL character.", &fe);
    return false;
  }
  return true;
}

}  // namespace claribi::api
