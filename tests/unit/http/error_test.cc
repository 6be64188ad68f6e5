#include <gtest/gtest.h>
#include <simdjson.h>

#include "http/error.h"

namespace claribi::http {
namespace {

TEST(ErrorRenderer, RendersThreeFields) {
  Response r;
  render_error(r, ErrorCode::kNotFound, "No dashboard with ID 999 was found.");
  EXPECT_EQ(r.status, 404);
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(r.body);
  EXPECT_EQ(std::string_view(e["error"]), "not_found");
  EXPECT_EQ(std::string_view(e["message"]), "The requested resource does not exist.");
  EXPECT_EQ(std::string_view(e["detail"]), "No dashboard with ID 999 was found.");
}

TEST(ErrorRenderer, EveryCodeHasStatusNameAndMessage) {
  const std::pair<ErrorCode, int> expected[] = {
      {ErrorCode::kValidationError, 400}, {ErrorCode::kInvalidJson, 400},
      {ErrorCode::kUnauthorized, 401},    {ErrorCode::kInvalidCredentials, 401},
      {ErrorCode::kForbidden, 403},       {ErrorCode::kInsufficientScope, 403},
      {ErrorCode::kHttpsRequired, 403},   {ErrorCode::kNotFound, 404},
      {ErrorCode::kMethodNotAllowed, 405}, {ErrorCode::kConflict, 409},
      {ErrorCode::kPayloadTooLarge, 413}, {ErrorCode::kUnsupportedMediaType, 415},
      {ErrorCode::kRateLimited, 429},     {ErrorCode::kRequestHeaderFieldsTooLarge, 431},
      {ErrorCode::kInternalError, 500},
  };
  for (auto [code, status] : expected) {
    EXPECT_EQ(error_status(code), status) << error_name(code);
    EXPECT_FALSE(error_message(code).empty());
  }
  EXPECT_EQ(error_name(ErrorCode::kRequestHeaderFieldsTooLarge), "request_header_fields_too_large");
}

TEST(ErrorRenderer, FieldsAreGroupedPerField) {
  Response r;
  FieldErrors fe;
  fe.add("email", "This field is required.");
  fe.add("password", "Too short.");
  fe.add("email", "Second problem.");
  render_error(r, ErrorCode::kValidationError, "bad", &fe);
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(r.body);
  simdjson::dom::array email = e["fields"]["email"];
  EXPECT_EQ(email.size(), 2u);
  simdjson::dom::array password = e["fields"]["password"];
  EXPECT_EQ(password.size(), 1u);
}

TEST(ErrorRenderer, UnauthorizedAddsWwwAuthenticateAndKeepsOtherHeaders) {
  Response r;
  r.add_header("Retry-After", uint64_t(3));
  render_error(r, ErrorCode::kUnauthorized, "x");
  EXPECT_NE(r.extra_headers.find("WWW-Authenticate: Bearer\r\n"), std::string::npos);
  EXPECT_NE(r.extra_headers.find("Retry-After: 3\r\n"), std::string::npos);
}

TEST(ErrorRenderer, DetailIsEscaped) {
  Response r;
  render_error(r, ErrorCode::kNotFound, "quote \" backslash \\ newline \n ctl \x01 bad \xff");
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_FALSE(p.parse(r.body).get(e)) << r.body;
}

}  // namespace
}  // namespace claribi::http
