#include "api/json_body.h"

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
  bool string() {
    ++pos_;
    while (pos_ < t_.size()) {
      auto c = static_cast<unsigned char>(t_[pos_]);
      if (c == '"') { ++pos_; return true; }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++pos_;
        if (pos_ >= t_.size()) return false;
        char e = t_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i)
            if (pos_ + i >= t_.size() || !std::isxdigit(static_cast<unsigned char>(t_[pos_ + i]))) return false;
          pos_ += 5;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return false;
      }
      ++pos_;
    }
    return false;
  }
  bool digits() {
    size_t start = pos_;
    while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  bool number() {
    if (pos_ < t_.size() && t_[pos_] == '-') ++pos_;
    if (pos_ < t_.size() && t_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (pos_ < t_.size() && t_[pos_] == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
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

bool parse_json_object(const http::Request& req, http::Response& r, simdjson::dom::parser& parser,
                       simdjson::dom::object* out) {
  std::string_view body = req.body;
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!blank && !is_json_content_type(req.header("content-type"))) {
    http::render_error(r, http::ErrorCode::kUnsupportedMediaType,
                       "Send the body as JSON with Content-Type: application/json.");
    return false;
  }
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
  return true;
}

}  // namespace claribi::api
