// JsonWriter: a small streaming JSON writer that appends straight into a
// caller-owned buffer (usually a response body that is reused between
// requests, so writing allocates nothing once the buffer has grown).
// Strings are escaped per RFC 8259; non-ASCII UTF-8 passes through unchanged,
// invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace claribi {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { separate(); out_.push_back('{'); push(); return *this; }
  JsonWriter& end_object() { pop(); out_.push_back('}'); return *this; }
  JsonWriter& begin_array() { separate(); out_.push_back('['); push(); return *this; }
  JsonWriter& end_array() { pop(); out_.push_back(']'); return *this; }

  // Object member name; the next value call writes its value.
  JsonWriter& key(std::string_view k);

  JsonWriter& string(std::string_view s) { separate(); append_quoted(out_, s); return *this; }
  JsonWriter& number(int64_t v);
  JsonWriter& number(uint64_t v);
  JsonWriter& number(int v) { return number(int64_t(v)); }
  JsonWriter& number(uint32_t v) { return number(uint64_t(v)); }
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v) { separate(); out_.append(v ? "true" : "false"); return *this; }
  JsonWriter& null() { separate(); out_.append("null"); return *this; }
  // An ISO 8601 timestamp string, or null when unix_seconds is 0.
  JsonWriter& timestamp_or_null(int64_t unix_seconds);
  // Already-rendered JSON (trusted: not validated).
  JsonWriter& raw(std::string_view json) { separate(); out_.append(json); return *this; }

  // Shorthands for "key": value. By reference: a std::string member is
  // written in place, not copied (a copy allocates past the SSO size).
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) { key(k); return value(v); }

  static void append_quoted(std::string& out, std::string_view s);
  // The inside of the quoted string (escapes only). A string may be escaped
  // in pieces cut between UTF-8 sequences.
  static void append_escaped(std::string& out, std::string_view s);
  // True when s is printable ASCII without '"' or '\\': quoting it escapes nothing.
  static bool plain(std::string_view s);

 private:
  JsonWriter& value(std::string_view v) { return string(v); }
  JsonWriter& value(const char* v) { return string(v); }
  JsonWriter& value(const std::string& v) { return string(v); }
  JsonWriter& value(bool v) { return boolean(v); }
  JsonWriter& value(int v) { return number(int64_t(v)); }
  JsonWriter& value(int64_t v) { return number(v); }
  JsonWriter& value(uint64_t v) { return number(v); }
  JsonWriter& value(uint32_t v) { return number(uint64_t(v)); }
  JsonWriter& value(double v) { return number(v); }

  void separate() {
    if (after_key_) { after_key_ = false; return; }
    if (depth_ > 0) {
      if (has_items_[depth_ - 1]) out_.push_back(',');
      has_items_[depth_ - 1] = true;
    }
  }
  void push() { if (depth_ < kMaxDepth) has_items_[depth_] = false; ++depth_; }
  void pop() { if (depth_ > 0) --depth_; }

  static constexpr int kMaxDepth = 64;
  static constexpr size_t kShortPlain = 125;  // quoted on the stack, appended once
  std::string& out_;
  int depth_ = 0;
  bool after_key_ = false;
  bool has_items_[kMaxDepth] = {};
};

}  // namespace claribi
