#include "json/json_value.h"

#include <algorithm>
#include <array>

#include "common/text.h"

namespace claribi::json {

namespace {

constexpr std::array<std::string_view, 5> kSecretKeys = {"password", "token", "secret", "private_key", "api_key"};

// Parses stored (canonical) JSON; a second parser, so the request body's DOM
// stays valid while a stored document is read.
simdjson::dom::parser& stored_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}
simdjson::dom::parser& incoming_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

bool is_mask(simdjson::dom::element e) {
  std::string_view s;
  return !e.get(s) && s == kSecretMask;
}

void write_merged_object(JsonWriter& w, simdjson::dom::object in, const simdjson::dom::object* stored);

// Writes `in`, merged with what is stored at the same place (nullptr when
// nothing is): objects merge key by key, arrays element by element (by
// position), anything else is written as sent.
void write_merged_value(JsonWriter& w, simdjson::dom::element in, const simdjson::dom::element* stored) {
  simdjson::dom::object in_obj, old_obj;
  simdjson::dom::array in_arr, old_arr;
  if (!in.get(in_obj)) {
    bool have = stored != nullptr && !stored->get(old_obj);
    write_merged_object(w, in_obj, have ? &old_obj : nullptr);
  } else if (!in.get(in_arr)) {
    bool have = stored != nullptr && !stored->get(old_arr);
    size_t i = 0;
    w.begin_array();
    for (auto item : in_arr) {
      simdjson::dom::element old;
      bool has_old = have && !old_arr.at(i).get(old);
      write_merged_value(w, item, has_old ? &old : nullptr);
      ++i;
    }
    w.end_array();
  } else {
    write_json(w, in);
  }
}

void write_merged_object(JsonWriter& w, simdjson::dom::object in, const simdjson::dom::object* stored) {
  w.begin_object();
  for (auto field : in) {
    std::string_view key = field.key;
    simdjson::dom::element old;
    bool has_old = stored != nullptr && !stored->at_key(key).get(old);
    if (is_secret_key(key)) {
      if (field.value.is_null()) continue;  // removes the secret
      if (is_mask(field.value)) {           // keeps it (or, with nothing stored, stores nothing)
        if (has_old && !old.is_null()) write_json(w.key(key), old);
        continue;
      }
      write_json(w.key(key), field.value);
      continue;
    }
    write_merged_value(w.key(key), field.value, has_old ? &old : nullptr);
  }
  if (stored != nullptr) {
    for (auto field : *stored) {  // stored secrets the client left out
      simdjson::dom::element ignored;
      if (is_secret_key(field.key) && !field.value.is_null() && in.at_key(field.key).get(ignored))
        write_json(w.key(field.key), field.value);
    }
  }
  w.end_object();
}

void write_masked(JsonWriter& w, simdjson::dom::element e) {
  simdjson::dom::object obj;
  simdjson::dom::array arr;
  if (!e.get(obj)) {
    w.begin_object();
    for (auto field : obj) {
      w.key(field.key);
      if (is_secret_key(field.key) && !field.value.is_null()) {
        w.string(kSecretMask);
      } else {
        write_masked(w, field.value);
      }
    }
    w.end_object();
  } else if (!e.get(arr)) {
    w.begin_array();
    for (auto item : arr) write_masked(w, item);
    w.end_array();
  } else {
    write_json(w, e);
  }
}

}  // namespace

int json_depth(simdjson::dom::element e) {
  simdjson::dom::object obj;
  simdjson::dom::array arr;
  int inner = 0;
  if (!e.get(obj)) {
    for (auto field : obj) inner = std::max(inner, json_depth(field.value));
    return inner + 1;
  }
  if (!e.get(arr)) {
    for (auto item : arr) inner = std::max(inner, json_depth(item));
    return inner + 1;
  }
  return 0;
}

void write_json(JsonWriter& w, simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      w.begin_object();
      for (auto field : simdjson::dom::object(e)) write_json(w.key(field.key), field.value);
      w.end_object();
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      w.begin_array();
      for (auto item : simdjson::dom::array(e)) write_json(w, item);
      w.end_array();
      break;
    }
    case simdjson::dom::element_type::STRING: w.string(std::string_view(e)); break;
    case simdjson::dom::element_type::INT64: w.number(int64_t(e)); break;
    case simdjson::dom::element_type::UINT64: w.number(uint64_t(e)); break;
    case simdjson::dom::element_type::DOUBLE: w.number(double(e)); break;
    case simdjson::dom::element_type::BOOL: w.boolean(bool(e)); break;
    case simdjson::dom::element_type::NULL_VALUE: w.null(); break;
  }
}

std::string canonical_json(simdjson::dom::element e) {
  std::string out;
  JsonWriter w(out);
  write_json(w, e);
  return out;
}

bool is_secret_key(std::string_view key) {
  for (std::string_view k : kSecretKeys)
    if (k.size() == key.size() && contains_icase(key, k)) return true;  // equal ignoring ASCII case
  return false;
}

void write_masked_config(JsonWriter& w, std::string_view config_json) {
  simdjson::dom::element doc;
  if (stored_parser().parse(config_json.data(), config_json.size()).get(doc)) {
    w.begin_object().end_object();  // stored text is canonical; never reached
    return;
  }
  write_masked(w, doc);
}

std::string merge_secrets(std::string_view incoming_json, std::string_view stored_json) {
  simdjson::dom::element in_doc;
  simdjson::dom::object incoming;
  if (incoming_parser().parse(incoming_json.data(), incoming_json.size()).get(in_doc) || in_doc.get(incoming))
    return "{}";  // callers pass canonical objects; never reached
  simdjson::dom::element doc;
  simdjson::dom::object stored;
  bool have = !stored_parser().parse(stored_json.data(), stored_json.size()).get(doc) && !doc.get(stored);
  std::string out;
  JsonWriter w(out);
  write_merged_object(w, incoming, have ? &stored : nullptr);
  return out;
}

}  // namespace claribi::json
