// Free-form JSON inside records — a data source's `config`, widgets, queries —
// stored as canonical text: re-serialized from the parsed DOM (minified, keys
// in the order sent, numbers as parsed), so what is stored is always valid
// JSON of bounded depth, whatever whitespace or escapes the client used.
//
// Secrets: a data source's config keys named password, token, secret,
// private_key or api_key (ASCII case ignored, at any depth, inside arrays
// too) are stored but rendered as "********"; merge_secrets keeps stored
// secrets a client did not resend.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "common/json_writer.h"

namespace claribi::json {

inline constexpr int kMaxJsonDepth = 32;
inline constexpr std::string_view kSecretMask = "********";

// Nesting depth of e (a scalar is 0, {} or [] is 1).
int json_depth(simdjson::dom::element e);
// Writes e as canonical JSON.
void write_json(JsonWriter& w, simdjson::dom::element e);
std::string canonical_json(simdjson::dom::element e);

bool is_secret_key(std::string_view key);
// Renders a stored config (canonical JSON text) with every non-null secret
// value replaced by "********".
void write_masked_config(JsonWriter& w, std::string_view config_json);
// The config to store when a client sends `incoming` (an object) for a
// record whose stored config is `stored_json` (both canonical JSON objects;
// "{}" for a new record): incoming as sent, except that
// a secret it sends as "********" keeps the stored value (or is dropped when
// there is none), a secret sent as null is dropped, and a stored secret it
// leaves out is kept — at every depth: objects merge key by key with the
// stored object at the same place, arrays element by element by position.
std::string merge_secrets(std::string_view incoming_json, std::string_view stored_json);

}  // namespace claribi::json
