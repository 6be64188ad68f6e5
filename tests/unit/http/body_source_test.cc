// PartsBody: the parts come out in order and whole at any part size; an
// escaped part, cut anywhere a size limit falls, escapes exactly as the
// whole string does (UTF-8 sequences, invalid bytes and escapes included).
#include <gtest/gtest.h>

#include <string>

#include "common/json_writer.h"
#include "http/body_source.h"

namespace claribi::http {
namespace {

std::string drain(PartsBody& b, size_t max, int* calls) {
  std::string out;
  *calls = 0;
  bool more = true;
  while (more) {
    size_t before = out.size();
    more = b.next(out, max);
    ++*calls;
    if (more) {
      EXPECT_GT(out.size(), before) << "a part that is not the last adds bytes";
    }
  }
  return out;
}

TEST(PartsBodyTest, RawPartsInOrderAtAnySize) {
  for (size_t max : {1u, 2u, 3u, 7u, 64u, 100000u}) {
    PartsBody b;
    b.add("{\"a\":").add("").add("[1,2,3]").add("}");
    int calls = 0;
    EXPECT_EQ(drain(b, max, &calls), "{\"a\":[1,2,3]}") << max;
    if (max >= 13) {
      EXPECT_EQ(calls, 1);
    }
  }
}

TEST(PartsBodyTest, EscapedPartCutAnywhereEscapesLikeTheWhole) {
  std::string text = "a,b\r\n\"q\"\\ é€😀 \x01\t end";
  text += "\xff\xc3";                 // an invalid byte, then a lead byte cut off by the end
  text += "x\xe2\x82";                // a three-byte lead without its last byte
  text += std::string(300, 'z') + "€€€€";
  std::string whole;
  JsonWriter::append_escaped(whole, text);
  for (size_t max = 1; max <= 40; ++max) {
    PartsBody b;
    b.add("\"").add(text, true).add("\"");
    int calls = 0;
    EXPECT_EQ(drain(b, max, &calls), "\"" + whole + "\"") << "part size " << max;
  }
}

TEST(PartsBodyTest, QuotedIsEscapedBetweenQuotes) {
  std::string s = "line\nwith \"quotes\" and \xc3\xa9";
  std::string quoted, escaped;
  JsonWriter::append_quoted(quoted, s);
  JsonWriter::append_escaped(escaped, s);
  EXPECT_EQ(quoted, "\"" + escaped + "\"");
}

}  // namespace
}  // namespace claribi::http
