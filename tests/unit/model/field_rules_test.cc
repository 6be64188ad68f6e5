// The field rules of model/field_rules.h at their edges: the one trim,
// character (not byte) counting, blank values, emails and passwords.
#include "model/field_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "common/text.h"

namespace claribi::model::fields {
namespace {

std::string repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

TEST(FieldRules, TrimTakesEveryKindOfWhitespaceFromBothEnds) {
  EXPECT_EQ(trim_whitespace(" \t\r\n\f\vAcme Corp \t\r\n\f\v"), "Acme Corp");
  EXPECT_EQ(trim_whitespace(" \t\n"), "");
  EXPECT_EQ(trim_whitespace(""), "");
  EXPECT_EQ(trim_whitespace("a b"), "a b");
}

TEST(FieldRules, TextCountsCharactersNotBytes) {
  const std::string e150 = repeat("\xC3\xA9", 150);  // é: two bytes, one character
  EXPECT_EQ(check_text(e150, users::kMaxNameChars, false), Problem::kNone);
  EXPECT_EQ(check_text(e150 + "x", users::kMaxNameChars, false), Problem::kTooLong);
  EXPECT_EQ(check_text(repeat("a", 50), organization::kMaxPlanChars, false), Problem::kNone);
  EXPECT_EQ(check_text(repeat("a", 51), organization::kMaxPlanChars, false), Problem::kTooLong);
}

TEST(FieldRules, BlankIsRefusedUnlessAllowed) {
  EXPECT_EQ(check_text("", 10, false), Problem::kBlank);
  EXPECT_EQ(check_text("", 10, true), Problem::kNone);
  EXPECT_EQ(check_text(trim_whitespace("\f\v"), 10, false), Problem::kBlank);
}

TEST(FieldRules, Emails) {
  EXPECT_EQ(normalize_email("  Ada@Example.COM\t"), "ada@example.com");
  EXPECT_EQ(check_email("ada@example.com"), Problem::kNone);
  EXPECT_EQ(check_email("ada@example"), Problem::kInvalid);
  EXPECT_EQ(check_email("a@b@example.com"), Problem::kInvalid);
  EXPECT_EQ(check_email("@example.com"), Problem::kInvalid);
  const std::string domain = "@example.com";
  EXPECT_EQ(check_email(repeat("a", kMaxEmailChars - domain.size()) + domain), Problem::kNone);
  EXPECT_EQ(check_email(repeat("a", kMaxEmailChars - domain.size() + 1) + domain), Problem::kTooLong);
}

TEST(FieldRules, PasswordsCountBytesAndAreNotTrimmed) {
  EXPECT_EQ(check_password(repeat("a", kMinPasswordLength - 1)), Problem::kTooShort);
  EXPECT_EQ(check_password(repeat("a", kMinPasswordLength)), Problem::kNone);
  EXPECT_EQ(check_password("       x"), Problem::kNone);  // spaces count
  EXPECT_EQ(check_password(repeat("a", kMaxPasswordBytes)), Problem::kNone);
  EXPECT_EQ(check_password(repeat("a", kMaxPasswordBytes + 1)), Problem::kTooLong);
}

}  // namespace
}  // namespace claribi::model::fields
