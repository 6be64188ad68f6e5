// Free-form JSON of records (json/json_value.h): json::canonical_json minifies,
// keeps key order and writes numbers and strings (escapes, \u sequences,
// surrogate pairs, raw UTF-8, NUL) so that the output is valid JSON and
// canonical again; json::json_depth counts nesting; json::write_masked_config renders
// every non-null secret (password, token, secret, private_key, api_key) at
// any depth as "********" and leaves null secrets and other keys alone;
// json::merge_secrets follows the rules of json_value.h — a masked secret keeps
// the stored value (or is dropped when there is none), a null secret is
// removed, an omitted stored secret is kept, nested objects merge, non-secret
// keys are replaced by what the client sent — and a client that echoes a
// masked GET back changes nothing (docs/resources.md).
#include "json/json_value.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

namespace claribi::api {
namespace {

// Parses text (which must be valid JSON) and returns json::canonical_json of it.
std::string canon(std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  auto err = parser.parse(padded).get(e);
  EXPECT_FALSE(err) << "test input is not JSON: " << text;
  if (err) return "<invalid>";
  return json::canonical_json(e);
}

int depth(std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_FALSE(parser.parse(padded).get(e)) << text;
  return json::json_depth(e);
}

bool is_valid_json(std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return !parser.parse(padded).get(e);
}

std::string masked(std::string_view config) {
  std::string out;
  JsonWriter w(out);
  json::write_masked_config(w, config);
  return out;
}

TEST(ApiJsonValue, CanonicalMinifiesAndKeepsKeyOrder) {
  EXPECT_EQ(canon(" { \"z\" : 1 ,\n\t\"a\" : [ true , false , null ] , \"m\" : { } , \"e\" : [ ] } "),
            R"({"z":1,"a":[true,false,null],"m":{},"e":[]})");
  EXPECT_EQ(canon("[ {\"b\":2,\"a\":1} , [ [ ] ] ]"), R"([{"b":2,"a":1},[[]]])");
  EXPECT_EQ(canon("\"just a string\""), R"("just a string")");
  EXPECT_EQ(canon("null"), "null");
  EXPECT_EQ(canon("true"), "true");
}

TEST(ApiJsonValue, CanonicalNumbers) {
  EXPECT_EQ(canon("0"), "0");
  EXPECT_EQ(canon("-17"), "-17");
  EXPECT_EQ(canon("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canon("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(canon("9223372036854775808"), "9223372036854775808");  // beyond int64: unsigned
  EXPECT_EQ(canon("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(canon("1.5"), "1.5");
  EXPECT_EQ(canon("-2.25"), "-2.25");
  EXPECT_EQ(canon("0.1"), "0.1");
  EXPECT_EQ(canon("1e2"), "100");
  EXPECT_EQ(canon("2.50E+1"), "25");
  // Every number form comes out as valid JSON that parses to the same value.
  for (std::string_view n : {"1.5e300", "1E-7", "-0.000001", "123456789.125", "3.141592653589793", "1e-300"}) {
    std::string c = canon(n);
    EXPECT_TRUE(is_valid_json(c)) << n << " -> " << c;
    simdjson::padded_string a(n), b(c);
    simdjson::dom::parser pa, pb;
    double va = 0, vb = 1;
    ASSERT_FALSE(pa.parse(a).get(va));
    ASSERT_FALSE(pb.parse(b).get(vb));
    EXPECT_EQ(va, vb) << n << " -> " << c;
    EXPECT_EQ(canon(c), c) << "not idempotent: " << n;
  }
}

TEST(ApiJsonValue, CanonicalStringsEscapesAndUnicode) {
  // Escapes that must stay escaped come out in their short form; "\/" is just "/".
  EXPECT_EQ(canon(R"("q\"b\\s\/n\nr\rt\tb\bf\f")"), R"("q\"b\\s/n\nr\rt\tb\bf\f")");
  // Other control characters as \u00XX, NUL included.
  EXPECT_EQ(canon(R"("a\u0001b\u001fc\u0000d")"), R"("a\u0001b\u001fc\u0000d")");
  // \u escapes of printable characters become the characters (UTF-8).
  EXPECT_EQ(canon(R"("\u0041\u00e9\u20ac\ud83d\ude00")"), "\"A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  // Raw UTF-8 passes through unchanged; DEL and U+2028 are not escaped.
  EXPECT_EQ(canon("\"Gr\xC3\xBC\xC3\x9F" "e \xE2\x80\xA8 \x7f\""), "\"Gr\xC3\xBC\xC3\x9F" "e \xE2\x80\xA8 \x7f\"");
  // Keys are escaped the same way.
  EXPECT_EQ(canon(R"({"k\"e\ny\u00e9":"v"})"), "{\"k\\\"e\\ny\xC3\xA9\":\"v\"}");
}

TEST(ApiJsonValue, CanonicalIsIdempotentAndValid) {
  for (std::string_view text :
       {R"({"a":[1,-2,3.5,"x\ty",{"b":null}],"c":{"d":{"e":[[],{}]}},"f":"\u00fc\"\\"})",
        R"([1e10,0.5,-0.25,"\u0007",true])", R"({"":""})", R"({"dup":1,"dup":2})"}) {
    std::string c = canon(text);
    EXPECT_TRUE(is_valid_json(c)) << c;
    EXPECT_EQ(canon(c), c) << text;
  }
}

TEST(ApiJsonValue, JsonDepth) {
  EXPECT_EQ(depth("1"), 0);
  EXPECT_EQ(depth("\"s\""), 0);
  EXPECT_EQ(depth("null"), 0);
  EXPECT_EQ(depth("{}"), 1);
  EXPECT_EQ(depth("[]"), 1);
  EXPECT_EQ(depth("[1,2,3]"), 1);
  EXPECT_EQ(depth(R"({"a":{"b":1}})"), 2);
  EXPECT_EQ(depth(R"({"a":[{"b":[]}]})"), 4);
  EXPECT_EQ(depth(R"([[[]],[],[[[{}]]]])"), 5);  // the deepest branch counts
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  EXPECT_EQ(depth(deep), 40);
  EXPECT_GT(depth(deep), json::kMaxJsonDepth);
}

TEST(ApiJsonValue, SecretKeyNames) {
  for (std::string_view k : {"password", "token", "secret", "private_key", "api_key"}) EXPECT_TRUE(json::is_secret_key(k)) << k;
  for (std::string_view k : {"", "user", "host", "passwords", "my_password", "tokens", "key", "api", "secret_"})
    EXPECT_FALSE(json::is_secret_key(k)) << k;
}

TEST(ApiJsonValue, MaskedConfigHidesSecretsAtAnyDepth) {
  EXPECT_EQ(masked("{}"), "{}");
  EXPECT_EQ(masked(R"({"host":"db","port":5432,"password":"p@ss"})"),
            R"({"host":"db","port":5432,"password":"********"})");
  // Any value type of a secret is masked; null is not (it holds nothing).
  EXPECT_EQ(masked(R"({"token":12,"secret":{"a":1},"api_key":["k"],"private_key":true,"password":null})"),
            R"({"token":"********","secret":"********","api_key":"********","private_key":"********","password":null})");
  // Nested objects and objects inside arrays.
  EXPECT_EQ(masked(R"({"auth":{"user":"u","password":"p","oauth":{"token":"t","scope":"r"}},)"
                   R"("replicas":[{"host":"a","password":"p1"},{"host":"b","secret":null},"password"]})"),
            R"({"auth":{"user":"u","password":"********","oauth":{"token":"********","scope":"r"}},)"
            R"("replicas":[{"host":"a","password":"********"},{"host":"b","secret":null},"password"]})");
  // A value that merely looks like a secret name is not masked.
  EXPECT_EQ(masked(R"({"kind":"password","note":"token"})"), R"({"kind":"password","note":"token"})");
  // Appends into the writer's buffer like any other value.
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("config");
  json::write_masked_config(w, R"({"password":"x"})");
  w.field("after", 1).end_object();
  EXPECT_EQ(out, R"({"config":{"password":"********"},"after":1})");
}

TEST(ApiJsonValue, MergeKeepsMaskedAndOmittedSecrets) {
  const std::string stored = R"({"host":"old","port":1,"password":"p1","token":"t1"})";
  // Omitted secrets are kept (after the keys sent); non-secret keys are
  // replaced as a whole ("port" is gone).
  EXPECT_EQ(json::merge_secrets(R"({"host":"new"})", stored), R"({"host":"new","password":"p1","token":"t1"})");
  // A masked secret keeps the stored value, in the position it was sent.
  EXPECT_EQ(json::merge_secrets(R"({"password":"********","host":"new"})", stored),
            R"({"password":"p1","host":"new","token":"t1"})");
  // A new value replaces the stored one.
  EXPECT_EQ(json::merge_secrets(R"({"password":"p2"})", stored), R"({"password":"p2","token":"t1"})");
  // null removes the secret.
  EXPECT_EQ(json::merge_secrets(R"({"password":null,"host":"h"})", stored), R"({"host":"h","token":"t1"})");
  EXPECT_EQ(json::merge_secrets(R"({"password":null,"token":null})", stored), "{}");
  // A mask with nothing stored is dropped; so is null.
  EXPECT_EQ(json::merge_secrets(R"({"password":"********","token":null,"host":"h"})", "{}"), R"({"host":"h"})");
  // A new record: everything as sent.
  EXPECT_EQ(json::merge_secrets(R"({"host":"h","password":"p","n":[1,{"x":null}]})", "{}"),
            R"({"host":"h","password":"p","n":[1,{"x":null}]})");
  // Non-secret null values are kept as sent.
  EXPECT_EQ(json::merge_secrets(R"({"host":null})", R"({"host":"h"})"), R"({"host":null})");
  // A stored secret that is null is not carried over.
  EXPECT_EQ(json::merge_secrets(R"({"host":"h"})", R"({"password":null})"), R"({"host":"h"})");
  EXPECT_EQ(json::merge_secrets(R"({"password":"********"})", R"({"password":null})"), "{}");
  // Non-string stored secrets are kept as they are.
  EXPECT_EQ(json::merge_secrets(R"({"secret":"********"})", R"({"secret":{"k":[1,2]}})"), R"({"secret":{"k":[1,2]}})");
}

TEST(ApiJsonValue, MergeNestedObjects) {
  const std::string stored =
      R"({"db":{"user":"u","password":"p","opts":{"token":"t","x":1}},"api_key":"k","other":{"password":"q"}})";
  // Where both sides hold an object, the same rules apply inside it.
  EXPECT_EQ(json::merge_secrets(R"({"db":{"user":"v","opts":{"x":2}}})", stored),
            R"({"db":{"user":"v","opts":{"x":2,"token":"t"},"password":"p"},"api_key":"k"})");
  EXPECT_EQ(json::merge_secrets(R"({"db":{"password":"********","opts":{"token":null}},"other":{}})", stored),
            R"({"db":{"password":"p","opts":{}},"other":{"password":"q"},"api_key":"k"})");
  // An object replaced by a scalar: the stored secrets under it are gone.
  EXPECT_EQ(json::merge_secrets(R"({"db":"none","api_key":"********"})", stored), R"({"db":"none","api_key":"k"})");
  // A scalar stored where an object arrives: the object is taken as sent
  // (its plain keys; masked secrets under it: see the tests below).
  EXPECT_EQ(json::merge_secrets(R"({"db":{"user":"w","password":"new"}})", R"({"db":1})"),
            R"({"db":{"user":"w","password":"new"}})");
  // An object stored where a scalar arrives: replaced.
  EXPECT_EQ(json::merge_secrets(R"({"other":2})", stored), R"({"other":2,"api_key":"k"})");
}

// docs/resources.md: "every secret it leaves out — or sends as "********", as
// a client echoing a GET does — keeps its stored value". Echoing the masked
// rendering back must store exactly what was stored.
TEST(ApiJsonValue, EchoOfMaskedConfigChangesNothing) {
  for (std::string_view stored : {
           R"({})",
           R"({"host":"h","password":"p","port":5432})",
           R"({"auth":{"user":"u","token":"t","deep":{"secret":"s","private_key":"k"}},"api_key":"a"})",
           R"({"password":null,"host":"h"})",
       }) {
    std::string echo = masked(stored);
    std::string merged = json::merge_secrets(echo, stored);
    // A null secret may be dropped; compare what a client can see and what is secret.
    if (stored.find("null") == std::string_view::npos) {
      EXPECT_EQ(merged, stored) << "echo " << echo;
    } else {
      EXPECT_EQ(merged, R"({"host":"h"})");
    }
  }
}

// Secrets inside objects that sit in arrays are masked on the way out, so
// json::merge_secrets must descend into arrays too (by position), or a client
// echoing a GET would store the literal "********" in place of the secret.
TEST(ApiJsonValue, EchoOfMaskedConfigKeepsSecretsInsideArrays) {
  const std::string stored = R"({"replicas":[{"host":"a","password":"p1"},{"host":"b","token":"t2"}]})";
  std::string echo = masked(stored);
  ASSERT_EQ(echo, R"({"replicas":[{"host":"a","password":"********"},{"host":"b","token":"********"}]})");
  std::string merged = json::merge_secrets(echo, stored);
  EXPECT_EQ(merged, stored) << "the stored secrets were replaced by the mask";
  EXPECT_EQ(merged.find(json::kSecretMask), std::string::npos) << merged;
}

// "a secret it sends as "********" keeps the stored value (or is dropped
// when there is none)" holds at every depth, also inside an object that has
// no stored counterpart (a new nested object, or one that replaces a scalar).
TEST(ApiJsonValue, MaskWithNothingStoredIsDroppedInNestedObjects) {
  EXPECT_EQ(json::merge_secrets(R"({"password":"********"})", "{}"), "{}");  // top level: dropped (passes)
  EXPECT_EQ(json::merge_secrets(R"({"db":{"password":"********","user":"w"}})", "{}"), R"({"db":{"user":"w"}})");
  EXPECT_EQ(json::merge_secrets(R"({"db":{"password":"********","user":"w"}})", R"({"db":1})"), R"({"db":{"user":"w"}})");
}

}  // namespace
}  // namespace claribi::api
