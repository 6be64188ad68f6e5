// A reader for one JSON object's members, without allocation: how the JWT
// verifier reads token headers and payloads from stack buffers. It validates
// the whole text as JSON (RFC 8259 grammar; nested values are checked and
// skipped, at most 32 deep) and hands back each member as views into the
// input. Strings come back raw (escapes undecoded); json_string_equals and
// json_unescape decode them when needed. Bytes >= 0x80 inside strings pass
// unchecked (UTF-8 is not validated; nothing we read needs it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claribi::auth {

enum class JsonKind : uint8_t { kString, kNumber, kOther };  // kOther: true/false/null/object/array

struct JsonMember {
  std::string_view key;    // raw text between the quotes
  std::string_view value;  // string: raw text between the quotes; otherwise the value's text
  JsonKind kind = JsonKind::kOther;
  bool key_escaped = false;    // key contains a backslash escape
  bool value_escaped = false;  // (strings only)
};

class JsonObjectReader {
 public:
  explicit JsonObjectReader(std::string_view json) : p_(json.data()), end_(json.data() + json.size()) {}

  // Reads the next member into *m. Returns false at the end of the object or
  // on a syntax error; ok() then tells which (and is true only if the object
  // closed and nothing but whitespace follows it).
  bool next(JsonMember* m);
  bool ok() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t { kStart, kFirst, kMore, kDone, kError };
  bool fail() { state_ = State::kError; return false; }
  void skip_ws();
  bool scan_string(std::string_view* raw, bool* escaped);
  bool scan_number();
  bool scan_value(JsonKind* kind, int depth);

  const char* p_;
  const char* end_;
  State state_ = State::kStart;
};

// Decodes a raw JSON string body into out[0..capacity) as UTF-8; false if it
// does not fit or holds a lone surrogate escape.
bool json_unescape(std::string_view raw, char* out, size_t capacity, size_t* out_len);

// Whether a raw JSON string body, once decoded, equals `text` (≤ 64 bytes).
bool json_string_equals(std::string_view raw, bool escaped, std::string_view text);

}  // namespace claribi::auth
