#include "api/openapi_yaml.h"

#include <simdjson.h>

#include <cstdio>

#include "common/json_writer.h"

namespace claribi::api::openapi {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A YAML double-quoted scalar. JSON's escapes are YAML's; the characters YAML
// does not allow unescaped (C0 controls, DEL) are escaped as \xHH.
void quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02X", ch);
          out += buf;
        } else {
          out.push_back(char(ch));
        }
    }
  }
  out.push_back('"');
}

bool is_empty_or_scalar(element e) {
  if (e.type() == element_type::OBJECT) return simdjson::dom::object(e).size() == 0;
  if (e.type() == element_type::ARRAY) return simdjson::dom::array(e).size() == 0;
  return true;
}

// A scalar, {} or [] on the current line.
void inline_value(std::string& out, element e) {
  switch (e.type()) {
    case element_type::OBJECT: out += "{}"; return;
    case element_type::ARRAY: out += "[]"; return;
    case element_type::STRING: quoted(out, std::string_view(e.get_string())); return;
    case element_type::INT64: out += std::to_string(int64_t(e.get_int64())); return;
    case element_type::UINT64: out += std::to_string(uint64_t(e.get_uint64())); return;
    case element_type::DOUBLE: JsonWriter(out).number(double(e.get_double())); return;
    case element_type::BOOL: out += bool(e.get_bool()) ? "true" : "false"; return;
    case element_type::NULL_VALUE: out += "null"; return;
  }
}

void block(std::string& out, element e, size_t indent, bool continues_line);

// `key: value` or `- value`, the value inline or as a block below (objects
// inside a list item start on the item's line).
void member_value(std::string& out, element v, size_t indent) {
  if (is_empty_or_scalar(v)) {
    out.push_back(' ');
    inline_value(out, v);
    out.push_back('\n');
  } else {
    out.push_back('\n');
    block(out, v, indent, false);
  }
}

// A non-empty object or array at `indent`; with continues_line, its first
// line goes on the current one (after "- ").
void block(std::string& out, element e, size_t indent, bool continues_line) {
  bool first = true;
  auto start_line = [&] {
    if (!(first && continues_line)) out.append(indent, ' ');
    first = false;
  };
  if (e.type() == element_type::OBJECT) {
    for (auto [key, value] : simdjson::dom::object(e)) {
      start_line();
      quoted(out, key);
      out.push_back(':');
      member_value(out, value, indent + 2);
    }
    return;
  }
  for (element item : simdjson::dom::array(e)) {
    start_line();
    out.push_back('-');
    if (is_empty_or_scalar(item)) {
      out.push_back(' ');
      inline_value(out, item);
      out.push_back('\n');
    } else {
      out.push_back(' ');
      block(out, item, indent + 2, true);
    }
  }
}

}  // namespace

std::string json_to_yaml(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(json);
  element root;
  if (parser.parse(text).get(root)) return std::string();
  std::string out;
  if (is_empty_or_scalar(root)) {
    inline_value(out, root);
    out.push_back('\n');
  } else {
    block(out, root, 0, false);
  }
  return out;
}

}  // namespace claribi::api::openapi
