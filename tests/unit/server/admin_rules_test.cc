// claribi-admin and the API apply the same field rules (model/field_rules.h):
// for each field both can set, a value at each edge is accepted or refused
// by both alike — the admin's command line (AdminCommands::check_usage, the
// parse every admin command goes through) and the API's body (the whole
// in-process request path). Also the command table's traits.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "model/field_rules.h"
#include "server/admin_commands.h"
#include "support/in_process_server.h"

namespace claribi::testing {
namespace {

namespace fields = model::fields;

std::string repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

// true: the command line parses (the command would run); false: exit 2.
bool admin_accepts(const std::vector<std::string>& args) {
  std::optional<server::AdminOutput> early = server::AdminCommands::check_usage(args);
  if (early) {
    EXPECT_EQ(early->exit_code, server::kAdminExitUsage) << early->out << early->err;
  }
  return !early.has_value();
}

class AdminRulesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = InProcessServer::start();
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s.value()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // The API's status for a JSON body sent as the administrator.
  int api_status(const std::string& method, const std::string& path, const std::string& body) {
    auto c = server_->connect();
    std::string raw = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n" +
                      "Authorization: Bearer " + server_->access_token() +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body;
    std::string answer(c->send(raw));
    server_->quiescent();
    return response_status(answer);
  }

  std::string fresh_email() { return "user" + std::to_string(++users_) + "@example.com"; }

  static InProcessServer* server_;
  int users_ = 0;
};
InProcessServer* AdminRulesTest::server_ = nullptr;

struct Case {
  std::string value;
  bool accepted;
};

TEST_F(AdminRulesTest, OrganizationNameAndPlan) {
  const size_t name_max = fields::organization::kMaxNameChars, plan_max = fields::organization::kMaxPlanChars;
  const std::vector<Case> names = {{repeat("\xC3\xA9", name_max), true},
                                   {repeat("\xC3\xA9", name_max + 1), false},
                                   {"  Acme  ", true},
                                   {"   ", false}};
  const std::vector<Case> plans = {{"Enterprise Plus", true},  // free text, as the API takes it
                                   {repeat("p", plan_max), true},
                                   {repeat("p", plan_max + 1), false},
                                   {" ", false}};
  auto bootstrap = [](const std::string& org, const std::string& plan) {
    return std::vector<std::string>{"bootstrap",     "--org",         org,         "--plan",      plan,
                                    "--ai-credits",  "1",             "--email",   "a@example.com", "--password",
                                    "correct horse", "--first-name",  "Ada",       "--last-name", "Admin"};
  };
  for (const Case& n : names) {
    SCOPED_TRACE("name '" + n.value + "'");
    EXPECT_EQ(admin_accepts(bootstrap(n.value, "professional")), n.accepted);
    EXPECT_EQ(api_status("PATCH", "/api/organization/", "{\"name\":\"" + n.value + "\"}") == 200, n.accepted);
  }
  for (const Case& p : plans) {
    SCOPED_TRACE("plan '" + p.value + "'");
    EXPECT_EQ(admin_accepts(bootstrap("Acme", p.value)), p.accepted);
    EXPECT_EQ(api_status("PATCH", "/api/organization/", "{\"plan\":\"" + p.value + "\"}") == 200, p.accepted);
  }
}

TEST_F(AdminRulesTest, UserNamesEmailsAndPasswords) {
  const size_t max = fields::users::kMaxNameChars;
  const std::string domain = "@example.com";
  struct UserCase {
    std::string first_name, email, password;
    bool accepted;
  };
  const std::vector<UserCase> cases = {
      {repeat("\xC3\xA9", max), "", "correct horse", true},
      {repeat("\xC3\xA9", max + 1), "", "correct horse", false},
      {" ", "", "correct horse", false},
      {"Bea", repeat("b", fields::kMaxEmailChars - domain.size()) + domain, "correct horse", true},
      {"Bea", repeat("b", fields::kMaxEmailChars - domain.size() + 1) + domain, "correct horse", false},
      {"Bea", "bea@example", "correct horse", false},
      {"Bea", "", repeat("s", fields::kMinPasswordLength), true},
      {"Bea", "", repeat("s", fields::kMinPasswordLength - 1), false},
      {"Bea", "", repeat("s", fields::kMaxPasswordBytes + 1), false},
  };
  for (const UserCase& u : cases) {
    const std::string email = u.email.empty() ? fresh_email() : u.email;
    SCOPED_TRACE("first_name '" + u.first_name + "' email '" + email + "' password of " +
                 std::to_string(u.password.size()) + " bytes");
    EXPECT_EQ(admin_accepts({"users", "create", "--org", "1", "--email", email, "--password", u.password,
                             "--first-name", u.first_name, "--last-name", "Lee"}),
              u.accepted);
    EXPECT_EQ(api_status("POST", "/api/users/",
                         "{\"email\":\"" + email + "\",\"password\":\"" + u.password + "\",\"first_name\":\"" +
                             u.first_name + "\",\"last_name\":\"Lee\",\"role\":\"viewer\"}") == 201,
              u.accepted);
  }
}

TEST_F(AdminRulesTest, ApiKeyNames) {
  const size_t max = fields::api_keys::kMaxNameChars;
  const std::vector<Case> names = {{repeat("k", max), true}, {repeat("k", max + 1), false}, {"\t", false}};
  for (const Case& n : names) {
    SCOPED_TRACE("key name '" + n.value + "'");
    EXPECT_EQ(admin_accepts({"keys", "create", "--email", "admin@example.com", "--name", n.value, "--scopes",
                             "dashboards:read"}),
              n.accepted);
    EXPECT_EQ(api_status("POST", "/api/api-keys/", "{\"name\":\"" + n.value + "\",\"scopes\":[\"dashboards:read\"]}") ==
                  201,
              n.accepted);
  }
}

TEST(AdminCommandTable, TraitsComeFromTheTable) {
  using server::AdminCommands;
  EXPECT_TRUE(AdminCommands::creates_database({"bootstrap"}));
  EXPECT_FALSE(AdminCommands::creates_database({"users", "list"}));
  EXPECT_FALSE(AdminCommands::creates_database({}));
  EXPECT_TRUE(AdminCommands::takes_password({"bootstrap", "--org", "x"}));
  EXPECT_TRUE(AdminCommands::takes_password({"users", "create"}));
  EXPECT_TRUE(AdminCommands::takes_password({"users", "reset-password", "--id", "3"}));
  EXPECT_FALSE(AdminCommands::takes_password({"users", "disable", "--id", "3"}));
  EXPECT_FALSE(AdminCommands::takes_password({"keys", "create", "--name", "users"}));
  // Words in option values do not name a command.
  EXPECT_FALSE(AdminCommands::takes_password({"keys", "list", "create"}));
  EXPECT_EQ(AdminCommands::input_file({"rows", "import", "--data-source", "4", "rows.csv"}), "rows.csv");
  EXPECT_EQ(AdminCommands::input_file({"stats"}), std::nullopt);
}

TEST(AdminCommandTable, EveryCommandHasHelpAndUsageErrorsNameTheCommand) {
  using server::AdminCommands;
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"bootstrap"}, {"is-bootstrapped"}, {"orgs", "list"}, {"users", "list"}, {"users", "create"},
           {"users", "disable"}, {"users", "enable"}, {"users", "reset-password"}, {"keys", "create"},
           {"keys", "list"}, {"keys", "revoke"}, {"backup"}, {"stats"}, {"rows", "import"}}) {
    std::vector<std::string> help = cmd;
    help.push_back("--help");
    std::optional<server::AdminOutput> h = AdminCommands::check_usage(help);
    ASSERT_TRUE(h.has_value()) << cmd[0];
    EXPECT_EQ(h->exit_code, server::kAdminExitOk);
    EXPECT_NE(h->out.find("Usage: claribi-admin " + cmd[0]), std::string::npos) << h->out;
  }
  std::optional<server::AdminOutput> u = AdminCommands::check_usage({"users", "disable"});
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->exit_code, server::kAdminExitUsage);
  EXPECT_EQ(u->err, "claribi-admin: users disable: give the user's --email or --id (see users disable --help)\n");
  std::optional<server::AdminOutput> unknown = AdminCommands::check_usage({"users", "delete"});
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->exit_code, server::kAdminExitUsage);
}

}  // namespace
}  // namespace claribi::testing
