#include "server/admin_commands.h"

#include "model/field_rules.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <future>
#include <map>
#include <memory>
#include <utility>

#include "auth/api_key.h"
#include "auth/password.h"
#include "common/time_util.h"
#include "config/config_flags.h"
#include "config/quote.h"
#include "identity/identity_index.h"
#include "model/records.h"
#include "model/resources.h"
#include "resources/resource_service.h"
#include "rows/row_service.h"
#include "server/row_import.h"
#include "storage/families.h"
#include "storage/identity_store.h"
#include "storage/keys.h"
#include "storage/pg_database.h"

namespace claribi::server {
namespace {

constexpr std::string_view kProgram = "claribi-admin";

const char* kTopFooter =
    "Global options, before or after the command:\n"
    "  --data-dir DIR   the server's data directory (env CLARIBI_DATA_DIR, default ./data)\n"
    "  --config PATH    TOML config file to read (env CLARIBI_CONFIG)\n"
    "\n"
    "When claribi-server runs on DIR, the command is sent to it over DIR/admin.sock;\n"
    "when it is stopped, claribi-admin opens DIR/db itself. The output is the same.\n"
    "Exit codes: 0 done, 1 refused or failed, 2 usage error.";

// ---- text helpers -------------------------------------------------------------

// For table cells: control characters (a newline in a name) become spaces.
std::string cell(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if ((unsigned char)ch < 0x20 || ch == 0x7f) ch = ' ';
  return out;
}

std::string iso(int64_t t) {
  if (t == 0) return "-";
  char buf[kIso8601Len];
  return std::string(buf, format_iso8601(t, buf));
}

std::string scopes_text(uint32_t bits) {
  std::string out;
  for (int i = 0; i < model::kScopeCount; ++i) {
    if ((bits & (1u << i)) == 0) continue;
    if (!out.empty()) out += ',';
    out += model::scope_name(i);
  }
  return out.empty() ? "-" : out;
}

std::string all_scope_names() {
  std::string out;
  for (int i = 0; i < model::kScopeCount; ++i) {
    if (i) out += ", ";
    out += model::scope_name(i);
  }
  return out;
}

// "a,b,c" -> bits; an error text when a name is unknown or the list empty.
std::string parse_scope_list(std::string_view text, uint32_t* bits) {
  *bits = 0;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = trim_whitespace(text.substr(0, comma));
    if (!item.empty()) {
      std::optional<uint32_t> bit = model::parse_scope(item);
      if (!bit) return "unknown scope '" + std::string(item) + "' (scopes: " + all_scope_names() + ")";
      *bits |= *bit;
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (*bits == 0) return "no scope given (scopes: " + all_scope_names() + ")";
  return {};
}

// Columns padded to the widest cell; the last column is not padded.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (size_t i = 0; i < r.size(); ++i) {
      l += r[i];
      if (i + 1 < r.size()) l.append(width[i] - r[i].size() + 2, ' ');
    }
    out += l;
    out += '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

std::string key_status(const model::ApiKey& k, int64_t now) {
  if (k.deleted) return "deleted";
  if (k.revoked_at != 0) return "revoked";
  if (k.expires_at != 0 && k.expires_at <= now) return "expired";
  return "active";
}

// ---- parsing ------------------------------------------------------------------

struct Command;

// One parsed command line: the command and the values of its arguments.
struct Cmd {
  const Command* command = nullptr;
  std::string org_name, plan, email, password, first_name, last_name, role = "viewer";
  std::string key_name, scopes, expires_at, dest;
  std::string file, format;  // rows import; format "" until derived from the file name
  int64_t ai_credits = 0;
  uint64_t org_id = 0, user_id = 0, key_id = 0, data_source_id = 0;
  bool has_org = false, has_email = false, has_id = false;  // --org, --email, --id given
  bool all = false, verbose = false, replace = false;
  // Derived after parsing.
  uint32_t scope_bits = 0;
  int64_t expires_at_unix = 0;
};

// The checks of model/field_rules.h — the API's rules — worded for a
// command line.
std::string problem_text(model::fields::Problem p, size_t max) {
  switch (p) {
    case model::fields::Problem::kNone:
      return {};
    case model::fields::Problem::kBlank:
      return "must not be empty";
    case model::fields::Problem::kTooLong:
      return "longer than " + std::to_string(max) + " characters";
    case model::fields::Problem::kTooShort:
      return "this password is too short: it must contain at least " +
             std::to_string(model::fields::kMinPasswordLength) + " characters";
    case model::fields::Problem::kInvalid:
      return "not a valid email address";
  }
  return "invalid";
}

CLI::Validator email_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::string e = model::normalize_email(s);
        std::string problem = problem_text(model::fields::check_email(e), model::fields::kMaxEmailChars);
        return problem.empty() ? problem : problem + ": " + e;
      },
      "");
}

CLI::Validator password_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        return problem_text(model::fields::check_password(s), model::fields::kMaxPasswordBytes);
      },
      "");
}

// A name or a plan: trimmed, then the API's length rule.
CLI::Validator text_check(size_t max_chars) {
  return CLI::Validator(
      [max_chars](std::string& s) -> std::string {
        return problem_text(model::fields::check_text(trim_whitespace(s), max_chars, false), max_chars);
      },
      "");
}

CLI::Validator scopes_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        uint32_t bits = 0;
        return parse_scope_list(s, &bits);
      },
      "");
}

CLI::Validator expires_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::optional<int64_t> t = parse_iso8601(s);
        if (!t) return "not an ISO 8601 UTC time such as 2026-01-31T00:00:00Z: " + s;
        if (*t <= unix_now()) return "must be in the future: " + s;
        return {};
      },
      "");
}

CLI::Validator positive_id() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos || s == "0" ||
            s[0] == '0')
          return "not an id (a positive integer): " + s;
        return {};
      },
      "");
}

// ---- running ------------------------------------------------------------------

AdminOutput ok(std::string out, std::string err = {}) { return AdminOutput{kAdminExitOk, std::move(out), std::move(err)}; }

AdminOutput failed(const std::string& message) {
  return AdminOutput{kAdminExitFailed, "", std::string(kProgram) + ": " + message + "\n"};
}

AdminOutput failed(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kInvalidArgument:
    case StatusCode::kPermissionDenied:
      return failed(s.message());
    case StatusCode::kConflict:
      return failed(s.message() + "; nothing was written: run the command again");
    default:
      return failed("failed: " + s.message());
  }
}

class Runner {
 public:
  Runner(const Config& config, identity::IdentityService& identity, storage::Database& db, const AdminRows& rows,
         const AdminInput& input, const std::string& cwd)
      : config_(config),
        identity_(identity),
        index_(identity.index()),
        store_(identity.store()),
        db_(db),
        rows_(rows),
        input_(input),
        cwd_(cwd) {}

  // The commands: kCommands names them.
  AdminOutput bootstrap(const Cmd& c) {
    auto taken = [&] {
      return failed("a user with email " + c.email +
                    " already exists; bootstrap refused (emails are unique across organizations)");
    };
    if (index_.user_id_by_email(c.email) != 0) return taken();  // before spending argon2 time
    Result<std::string> hash = auth::hash_password(c.password, argon2());
    if (!hash.ok()) return failed(hash.status());
    const int64_t now = unix_now();
    model::Organization org;
    model::User admin;
    bool email_taken = false;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      if (v.email_taken(c.email)) {
        email_taken = true;
        return Status::AlreadyExists("email taken");
      }
      org.id = identity_.next_id(storage::Sequence::kOrganization);
      org.name = c.org_name;
      org.plan = c.plan;
      org.ai_credits_remaining = c.ai_credits;
      org.created_at = org.updated_at = now;
      admin.id = identity_.next_id(storage::Sequence::kUser);
      admin.org_id = org.id;
      admin.email = c.email;
      admin.first_name = c.first_name;
      admin.last_name = c.last_name;
      admin.role = model::Role::kAdministrator;
      admin.is_active = true;
      admin.password_hash = hash.value();
      admin.credential_version = 1;
      admin.created_at = admin.updated_at = now;
      admin.created_by = 0;  // the operator, not a user
      ch.orgs.push_back(org);
      ch.users.push_back(admin);
      return Status::Ok();
    });
    if (email_taken) return taken();
    if (!s.ok()) return failed(s);
    return ok("organization_id: " + std::to_string(org.id) + "\norganization: " + cell(org.name) +
              "\nplan: " + org.plan + "\nai_credits_remaining: " + std::to_string(org.ai_credits_remaining) +
              "\nuser_id: " + std::to_string(admin.id) + "\nemail: " + admin.email + "\nrole: administrator\n");
  }

  AdminOutput is_bootstrapped(const Cmd&) {
    std::vector<uint64_t> ids;
    if (Status s = organization_ids(&ids); !s.ok()) return failed(s);
    if (ids.empty()) return AdminOutput{kAdminExitFailed, "not bootstrapped: no organization exists\n", ""};
    return ok("bootstrapped: " + std::to_string(ids.size()) + (ids.size() == 1 ? " organization" : " organizations") +
              "\n");
  }

  AdminOutput orgs_list(const Cmd&) {
    Cmd all;
    std::vector<model::Organization> orgs;
    if (Status s = organizations(all, &orgs); !s.ok()) return failed(s);
    std::vector<std::vector<std::string>> rows;
    for (const auto& o : orgs) {
      size_t users = 0, keys = 0;
      Status s = store_.ForEachUser(o.id, [&](const model::User&) { ++users; });
      if (s.ok()) s = store_.ForEachApiKey(o.id, [&](const model::ApiKey& k) { keys += k.deleted ? 0 : 1; });
      if (!s.ok()) return failed(s);
      rows.push_back({std::to_string(o.id), cell(o.name), cell(o.plan), std::to_string(o.ai_credits_remaining),
                      std::to_string(users), std::to_string(keys), iso(o.created_at)});
    }
    return ok(table({"ID", "NAME", "PLAN", "AI_CREDITS", "USERS", "KEYS", "CREATED_AT"}, rows));
  }

  AdminOutput users_list(const Cmd& c) {
    std::vector<model::Organization> orgs;
    if (Status s = organizations(c, &orgs); !s.ok()) return failed(s);
    std::vector<std::vector<std::string>> rows;
    for (const auto& o : orgs) {
      Status s = store_.ForEachUser(o.id, [&](const model::User& u) {
        std::string name = u.first_name;
        if (!u.last_name.empty()) name += (name.empty() ? "" : " ") + u.last_name;
        rows.push_back({std::to_string(u.id), std::to_string(u.org_id), cell(u.email), name.empty() ? "-" : cell(name),
                        std::string(model::role_name(u.role)), u.is_active ? "yes" : "no"});
      });
      if (!s.ok()) return failed(s);
    }
    return ok(table({"ID", "ORG", "EMAIL", "NAME", "ROLE", "ACTIVE"}, rows));
  }

  AdminOutput users_create(const Cmd& c) {
    std::optional<model::Role> role = model::parse_role(c.role);
    if (!role) return failed("unknown role " + c.role);
    if (index_.organization(c.org_id) == nullptr) return failed("no organization with id " + std::to_string(c.org_id));
    if (index_.user_id_by_email(c.email) != 0) return failed("a user with email " + c.email + " already exists");
    Result<std::string> hash = auth::hash_password(c.password, argon2());
    if (!hash.ok()) return failed(hash.status());
    const int64_t now = unix_now();
    model::User user;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      if (v.organization(c.org_id) == nullptr)
        return Status::NotFound("no organization with id " + std::to_string(c.org_id));
      if (v.email_taken(c.email)) return Status::AlreadyExists("a user with email " + c.email + " already exists");
      user.id = identity_.next_id(storage::Sequence::kUser);
      user.org_id = c.org_id;
      user.email = c.email;
      user.first_name = c.first_name;
      user.last_name = c.last_name;
      user.role = *role;
      user.is_active = true;
      user.password_hash = hash.value();
      user.credential_version = 1;
      user.created_at = user.updated_at = now;
      user.created_by = 0;
      ch.users.push_back(user);
      return Status::Ok();
    });
    if (!s.ok()) return failed(s);
    return ok("user_id: " + std::to_string(user.id) + "\norganization_id: " + std::to_string(user.org_id) +
              "\nemail: " + user.email + "\nrole: " + std::string(model::role_name(user.role)) + "\n");
  }

  AdminOutput users_enable(const Cmd& c) { return users_set_active(c, true); }
  AdminOutput users_disable(const Cmd& c) { return users_set_active(c, false); }

  AdminOutput users_reset_password(const Cmd& c) {
    {
      // Before spending argon2 time: does the user exist at all?
      uint64_t id = c.has_id ? c.user_id : index_.user_id_by_email(c.email);
      if (id == 0 || index_.user(id) == nullptr) return failed(user_label(c));
    }
    Result<std::string> hash = auth::hash_password(c.password, argon2());
    if (!hash.ok()) return failed(hash.status());
    const int64_t now = unix_now();
    model::User user;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      const model::User* u = selected_user(v, c);
      if (u == nullptr) return Status::NotFound(user_label(c));
      user = *u;
      user.password_hash = hash.value();
      ++user.credential_version;  // every token issued before carries the old one
      user.updated_at = now;
      ch.users.push_back(user);
      return Status::Ok();
    });
    if (!s.ok()) return failed(s);
    return ok("password reset for user " + std::to_string(user.id) + " " + user.email +
              "; tokens issued before no longer work\n");
  }

  AdminOutput keys_create(const Cmd& c) {
    const int64_t now = unix_now();
    if (c.expires_at_unix != 0 && c.expires_at_unix <= now) return failed("--expires-at must be in the future");
    const std::string secret = auth::generate_api_key();
    model::ApiKey key;
    model::User owner;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      const model::User* u = user_by_email(v, c.email);
      if (u == nullptr) return Status::NotFound("no user with email " + c.email);
      if (!u->is_active) return Status::PermissionDenied("user " + u->email + " is disabled; no key created");
      uint32_t beyond = c.scope_bits & ~model::scopes_allowed_for_role(u->role);
      if (beyond != 0) {
        return Status::PermissionDenied("the owner " + u->email + " is " +
                                        (u->role == model::Role::kViewer ? "a " : "an ") +
                                        std::string(model::role_name(u->role)) + ", a role without " +
                                        scopes_text(beyond) + "; no key created");
      }
      owner = *u;
      key.id = identity_.next_id(storage::Sequence::kApiKey);
      key.org_id = u->org_id;
      key.user_id = u->id;
      key.name = c.key_name;
      key.prefix = auth::api_key_display_prefix(secret);
      key.hash = auth::hash_api_key(secret);
      key.scopes = c.scope_bits;
      key.expires_at = c.expires_at_unix;
      key.created_at = key.updated_at = now;
      ch.keys.push_back(key);
      return Status::Ok();
    });
    if (!s.ok()) return failed(s);
    return ok("key_id: " + std::to_string(key.id) + "\nname: " + cell(key.name) +
                  "\norganization_id: " + std::to_string(key.org_id) + "\nowner: " + std::to_string(owner.id) + " " +
                  owner.email + "\nscopes: " + scopes_text(key.scopes) + "\nexpires_at: " +
                  (key.expires_at ? iso(key.expires_at) : "never") + "\nkey: " + secret + "\n",
              "The key is shown only this once: store it now.\n");
  }

  AdminOutput keys_list(const Cmd& c) {
    std::vector<model::Organization> orgs;
    if (Status s = organizations(c, &orgs); !s.ok()) return failed(s);
    const int64_t now = unix_now();
    std::vector<std::vector<std::string>> rows;
    for (const auto& o : orgs) {
      std::map<uint64_t, std::string> emails;
      Status s = store_.ForEachUser(o.id, [&](const model::User& u) { emails[u.id] = u.email; });
      if (s.ok()) {
        s = store_.ForEachApiKey(o.id, [&](const model::ApiKey& k) {
          if (k.deleted && !c.all) return;
          auto it = emails.find(k.user_id);
          std::string owner = std::to_string(k.user_id) + " " + (it != emails.end() ? cell(it->second) : "(deleted)");
          rows.push_back({std::to_string(k.id), std::to_string(k.org_id), owner, cell(k.name), cell(k.prefix),
                          scopes_text(k.scopes), iso(k.expires_at), iso(k.last_used_at), key_status(k, now)});
        });
      }
      if (!s.ok()) return failed(s);
    }
    return ok(table({"ID", "ORG", "OWNER", "NAME", "PREFIX", "SCOPES", "EXPIRES_AT", "LAST_USED_AT", "STATUS"}, rows));
  }

  AdminOutput keys_revoke(const Cmd& c) {
    const int64_t now = unix_now();
    model::ApiKey key;
    bool unchanged = false;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      const model::ApiKey* k = v.key(c.key_id);
      if (k == nullptr || k->deleted) return Status::NotFound("no API key with id " + std::to_string(c.key_id));
      key = *k;
      if (k->revoked_at != 0) {
        unchanged = true;
        return Status::Ok();
      }
      key.revoked_at = now;
      key.updated_at = now;
      ch.keys.push_back(key);
      return Status::Ok();
    });
    if (!s.ok()) return failed(s);
    std::string label = "key " + std::to_string(key.id) + " (" + cell(key.name) + ", " + key.prefix + "...)";
    if (unchanged) return ok(label + " was already revoked at " + iso(key.revoked_at) + "\n");
    return ok(label + " revoked\n");
  }

  AdminOutput backup(const Cmd& c) {
    std::string dest = c.dest;
    if (dest.front() != '/') dest = (cwd_.empty() || cwd_ == "/" ? cwd_ : cwd_ + "/") + dest;
    while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
    struct stat st;
    if (::lstat(dest.c_str(), &st) == 0) return failed("backup refused: " + dest + " already exists");
    Status s = db_.Checkpoint(dest);
    if (!s.ok()) return failed("backup into " + dest + " failed: " + s.message());
    return ok("backup: " + dest + "\n");
  }

  AdminOutput migrate(const Cmd&) { return AdminCommands::migrate(config_); }

  AdminOutput stats(const Cmd& c) {
    Cmd all;
    std::vector<model::Organization> orgs;
    if (Status s = organizations(all, &orgs); !s.ok()) return failed(s);
    const int64_t now = unix_now();
    size_t users = 0, active_users = 0, keys = 0;
    std::map<std::string, size_t> by_status;
    for (const auto& o : orgs) {
      Status s = store_.ForEachUser(o.id, [&](const model::User& u) {
        ++users;
        active_users += u.is_active ? 1 : 0;
      });
      if (s.ok()) {
        s = store_.ForEachApiKey(o.id, [&](const model::ApiKey& k) {
          ++keys;
          ++by_status[key_status(k, now)];
        });
      }
      if (!s.ok()) return failed(s);
    }
    std::string out = "organizations: " + std::to_string(orgs.size()) + "\nusers: " + std::to_string(users) + " (" +
                      std::to_string(active_users) + " active)\napi_keys: " + std::to_string(keys) + " (" +
                      std::to_string(by_status["active"]) + " active, " + std::to_string(by_status["revoked"]) +
                      " revoked, " + std::to_string(by_status["expired"]) + " expired, " +
                      std::to_string(by_status["deleted"]) + " deleted)\n";
    std::string db = db_.Stats();
    if (!c.verbose) {
      // Our summary lines come first; RocksDB's own report starts at "** ".
      size_t cut = db.find("** ");
      if (cut != std::string::npos) db.resize(cut);
      while (!db.empty() && db.back() == '\n') db.pop_back();
      db += '\n';
    }
    return ok(out + "database " + db);
  }

  // The data source's organization: the API finds it from the caller's
  // credential; here every organization is asked (one in-memory lookup each).
  AdminOutput rows_import(const Cmd& c) {
    if (rows_.data_sources == nullptr || rows_.rows == nullptr) return failed("rows import is not available here");
    if (input_.file_fd < 0) return failed("rows import: no file to read");
    const std::string label = "data source " + std::to_string(c.data_source_id);
    std::vector<uint64_t> orgs;
    if (Status s = organization_ids(&orgs); !s.ok()) return failed(s);
    model::DataSource ds;
    bool found = false;
    for (uint64_t org : orgs) {
      Status s = rows_.data_sources->read(org, c.data_source_id, &ds);
      if (s.ok()) {
        found = true;
        break;
      }
      if (s.code() != StatusCode::kNotFound) return failed("failed: " + label + " cannot be read: " + s.message());
    }
    if (!found) return failed("no data source with id " + std::to_string(c.data_source_id));
    if (ds.type != model::DataSourceType::kUpload) {
      return failed(label + " (" + cell(ds.name) + ") is not an upload data source: data sources of type \"" +
                    std::string(model::data_source_type_name(ds.type)) +
                    "\" hold no rows; only \"upload\" data sources do");
    }
    const rows::Upload::Format format = c.format == "json" ? rows::Upload::Format::kJson : rows::Upload::Format::kCsv;
    ImportResult r = import_file(*rows_.rows, ds.org_id, ds.id, format, c.replace, input_.file_fd, input_.progress);
    if (r.kind == ImportResult::Kind::kReadFailed)
      return failed("cannot read " + c.file + ": " + r.error + "; nothing was appended");
    if (r.kind == ImportResult::Kind::kCancelled)
      return failed("the import into " + label + " was cancelled (the server is stopping); nothing was appended");
    // The words of the API's answer (api/rows.cc render_outcome).
    using Kind = rows::UploadOutcome::Kind;
    const rows::UploadOutcome& o = r.outcome;
    switch (o.kind) {
      case Kind::kAppended:
        return ok("imported " + std::to_string(o.appended) + (o.appended == 1 ? " row" : " rows") + " into " + label +
                  " (row_count " + std::to_string(o.row_count) + ")\n");
      case Kind::kInvalidRows:
        return failed(o.error.detail + " Nothing was appended.");
      case Kind::kInvalidJson:
        return failed(o.detail);
      case Kind::kNotFound:
        return failed(label + " was deleted during the import; nothing was appended");
      case Kind::kHttpError:
        return failed(o.detail);
      case Kind::kUnavailable:
        return failed("Too many uploads are in progress; try again shortly.");
      case Kind::kFailed:
        return failed("failed: the rows could not be stored; nothing was appended (" + o.detail + ")");
    }
    return failed("failed: unknown outcome");
  }

 private:
  auth::Argon2Params argon2() const {
    return auth::Argon2Params{config_.auth.argon2_iterations, config_.auth.argon2_memory_kib,
                              config_.auth.argon2_parallelism};
  }

  // One change through the IdentityService, waited for. With the server's
  // writer it is queued to the group-commit thread and `done` runs there once
  // the batch is synced and applied to the index; without one (stopped
  // server) transact writes synchronously and calls `done` right here. The
  // build function runs synchronously on this thread either way.
  Status commit(const identity::IdentityService::BuildFn& build) {
    auto promise = std::make_shared<std::promise<Status>>();
    std::future<Status> result = promise->get_future();
    identity_.transact(build, [promise](Status s) { promise->set_value(std::move(s)); });
    return result.get();
  }

  // The user an email names, as the View sees it (queued changes included).
  const model::User* user_by_email(const identity::View& v, const std::string& email) const {
    uint64_t id = index_.user_id_by_email(email);
    if (id == 0) return nullptr;
    const model::User* u = v.user(id);
    return u != nullptr && u->email == email ? u : nullptr;
  }

  const model::User* selected_user(const identity::View& v, const Cmd& c) const {
    return c.has_id ? v.user(c.user_id) : user_by_email(v, c.email);
  }

  std::string user_label(const Cmd& c) const {
    return c.has_id ? "no user with id " + std::to_string(c.user_id) : "no user with email " + c.email;
  }

  Status organization_ids(std::vector<uint64_t>* ids) const {
    return db_.ForEachPrefix(storage::Family::kOrganizations, {}, [&](std::string_view key, std::string_view) {
      uint64_t id = 0;
      if (storage::decode_id_key(key, &id)) ids->push_back(id);
      return true;
    });
  }

  // The organizations a list covers: the one asked for (refused if missing),
  // or all of them.
  Status organizations(const Cmd& c, std::vector<model::Organization>* out) const {
    std::vector<uint64_t> ids;
    if (c.has_org) {
      ids.push_back(c.org_id);
    } else if (Status s = organization_ids(&ids); !s.ok()) {
      return s;
    }
    for (uint64_t id : ids) {
      std::optional<model::Organization> o = store_.GetOrganization(id);
      if (!o) {
        if (c.has_org) return Status::NotFound("no organization with id " + std::to_string(id));
        return Status::Corruption("organization " + std::to_string(id) + " cannot be read");
      }
      out->push_back(std::move(*o));
    }
    return Status::Ok();
  }

  AdminOutput users_set_active(const Cmd& c, bool active) {
    const int64_t now = unix_now();
    model::User user;
    bool unchanged = false;
    Status s = commit([&](const identity::View& v, identity::Change& ch) {
      const model::User* u = selected_user(v, c);
      if (u == nullptr) return Status::NotFound(user_label(c));
      user = *u;
      if (u->is_active == active) {
        unchanged = true;
        return Status::Ok();
      }
      if (!active && u->role == model::Role::kAdministrator && v.active_admins(u->org_id) <= 1) {
        return Status::PermissionDenied("user " + std::to_string(u->id) + " " + u->email +
                                        " is the last active administrator of organization " +
                                        std::to_string(u->org_id) + "; refused");
      }
      user.is_active = active;
      user.updated_at = now;
      ch.users.push_back(user);
      return Status::Ok();
    });
    if (!s.ok()) return failed(s);
    std::string label = "user " + std::to_string(user.id) + " " + user.email;
    if (unchanged) return ok(label + " was already " + (active ? "enabled" : "disabled") + "\n");
    return ok(label + (active ? " enabled\n" : " disabled\n"));
  }

  const Config& config_;
  identity::IdentityService& identity_;
  identity::IdentityIndex& index_;
  storage::IdentityStore& store_;
  storage::Database& db_;
  AdminRows rows_;
  const AdminInput& input_;
  std::string cwd_;
};


// ---- the commands -------------------------------------------------------------

CLI::Option* id_option(CLI::App& sub, const std::string& name, uint64_t& v, const std::string& desc) {
  return sub.add_option(name, v, desc)->type_name("ID")->check(positive_id());
}

// --email E | --id ID: the user a command acts on (one of them, checked by
// select_user).
void user_selector(CLI::App& sub, Cmd& c) {
  auto* e = sub.add_option("--email", c.email, "The user's email")->type_name("EMAIL")->check(email_check());
  auto* i = id_option(sub, "--id", c.user_id, "The user's id");
  e->excludes(i);
}

CLI::Option* password_option(CLI::App& sub, Cmd& c, const std::string& what) {
  return sub
      .add_option("--password", c.password,
                  what + " (at least " + std::to_string(model::fields::kMinPasswordLength) +
                      " characters); --password-stdin reads it from standard input, and on a terminal leaving "
                      "both out asks for it")
      ->required()
      ->type_name("PASSWORD")
      ->check(password_check());
}

// What a command needs besides its arguments, for claribi-admin to prepare.
enum Trait : unsigned {
  kCreatesDatabase = 1,  // may run where there is no database yet
  kTakesPassword = 2,    // --password, or --password-stdin, or a prompt
  kReadsFile = 4,        // FILE, opened by claribi-admin (AdminInput::file_fd)
  kNoDatabase = 8,       // needs no open database (migrate prepares it): claribi-admin runs it without one
};

// One claribi-admin command: where it sits in the command line, its line
// in --help, its arguments, the checks CLI11 cannot state (nullptr: none),
// and what runs it. A new command is a row here and a Runner member.
struct Command {
  std::string_view group;  // "" for a top-level command, else "users", "keys", ...
  std::string_view name;
  std::string_view summary;
  void (*declare)(CLI::App& sub, Cmd& c);
  std::string (*complete)(Cmd& c);  // after parsing: a usage problem, or ""
  AdminOutput (Runner::*handler)(const Cmd& c);
  unsigned traits = 0;

  std::string path() const { return group.empty() ? std::string(name) : std::string(group) + " " + std::string(name); }
};

struct Group {
  std::string_view name, summary;
};
constexpr Group kGroups[] = {
    {"orgs", "Organizations"},
    {"users", "Manage users"},
    {"keys", "Manage API keys"},
    {"rows", "Rows of upload data sources"},
};

std::string select_user(Cmd& c) { return c.has_email || c.has_id ? "" : "give the user's --email or --id"; }

const Command kCommands[] = {
    {"", "bootstrap",
     "Create an organization and its first administrator (refused if the email exists anywhere)",
     [](CLI::App& sub, Cmd& c) {
       sub.add_option("--org", c.org_name, "Organization name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::organization::kMaxNameChars));
       sub.add_option("--plan", c.plan, "Plan (e.g. professional)")
           ->required()
           ->type_name("PLAN")
           ->check(text_check(model::fields::organization::kMaxPlanChars));
       sub.add_option("--ai-credits", c.ai_credits, "AI credits remaining")
           ->required()
           ->type_name("N")
           ->check(CLI::Range(int64_t(0), int64_t(1) << 53));
       sub.add_option("--email", c.email, "Administrator's email")->required()->type_name("EMAIL")->check(email_check());
       password_option(sub, c, "Administrator's password");
       sub.add_option("--first-name", c.first_name, "Administrator's first name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::users::kMaxNameChars));
       sub.add_option("--last-name", c.last_name, "Administrator's last name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::users::kMaxNameChars));
     },
     nullptr, &Runner::bootstrap, kCreatesDatabase | kTakesPassword},
    {"", "is-bootstrapped", "Exit 0 if any organization exists, 1 if none", [](CLI::App&, Cmd&) {}, nullptr,
     &Runner::is_bootstrapped},
    {"orgs", "list", "List organizations", [](CLI::App&, Cmd&) {}, nullptr, &Runner::orgs_list},
    {"users", "list", "List users (of one organization, or all)",
     [](CLI::App& sub, Cmd& c) { id_option(sub, "--org", c.org_id, "Organization id"); }, nullptr,
     &Runner::users_list},
    {"users", "create", "Create a user",
     [](CLI::App& sub, Cmd& c) {
       id_option(sub, "--org", c.org_id, "Organization id")->required();
       sub.add_option("--email", c.email, "Email")->required()->type_name("EMAIL")->check(email_check());
       password_option(sub, c, "Initial password");
       sub.add_option("--first-name", c.first_name, "First name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::users::kMaxNameChars));
       sub.add_option("--last-name", c.last_name, "Last name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::users::kMaxNameChars));
       sub.add_option("--role", c.role, "Role (default viewer)")
           ->type_name("ROLE")
           ->check(CLI::IsMember({"administrator", "editor", "viewer"}));
     },
     nullptr, &Runner::users_create, kTakesPassword},
    {"users", "disable", "Disable a user: their tokens and API keys stop working", user_selector, select_user,
     &Runner::users_disable},
    {"users", "enable", "Enable a disabled user again", user_selector, select_user, &Runner::users_enable},
    {"users", "reset-password", "Set a user's password; every token issued before stops working",
     [](CLI::App& sub, Cmd& c) {
       user_selector(sub, c);
       password_option(sub, c, "New password");
     },
     select_user, &Runner::users_reset_password, kTakesPassword},
    {"keys", "create", "Create an API key for a user; the key is printed once",
     [](CLI::App& sub, Cmd& c) {
       sub.add_option("--email", c.email, "Owner's email (the key acts as this user)")
           ->required()
           ->type_name("EMAIL")
           ->check(email_check());
       sub.add_option("--name", c.key_name, "Key name")
           ->required()
           ->type_name("NAME")
           ->check(text_check(model::fields::api_keys::kMaxNameChars));
       sub.add_option("--scopes", c.scopes, "Comma-separated scopes, within the owner's role: " + all_scope_names())
           ->required()
           ->type_name("SCOPES")
           ->check(scopes_check());
       sub.add_option("--expires-at", c.expires_at, "Expiry, ISO 8601 UTC (default: never)")
           ->type_name("TIME")
           ->check(expires_check());
     },
     [](Cmd& c) {
       (void)parse_scope_list(c.scopes, &c.scope_bits);  // checked by scopes_check
       c.scope_bits = model::normalize_scopes(c.scope_bits);
       if (!c.expires_at.empty()) c.expires_at_unix = parse_iso8601(c.expires_at).value_or(0);
       return std::string();
     },
     &Runner::keys_create},
    {"keys", "list", "List API keys (of one organization, or all)",
     [](CLI::App& sub, Cmd& c) {
       id_option(sub, "--org", c.org_id, "Organization id");
       sub.add_flag("--all", c.all, "Include deleted keys");
     },
     nullptr, &Runner::keys_list},
    {"keys", "revoke", "Revoke an API key, effective at once",
     [](CLI::App& sub, Cmd& c) { id_option(sub, "--id", c.key_id, "Key id")->required(); }, nullptr,
     &Runner::keys_revoke},
    {"", "backup",
     "Write a consistent copy of the database (a RocksDB checkpoint) into DEST, which must not exist",
     [](CLI::App& sub, Cmd& c) {
       sub.add_option("DEST", c.dest, "Destination directory; a relative path is relative to your working directory")
           ->required()
           ->type_name("DEST");
       sub.footer("A backup at DIR/db is a data directory DIR: claribi-admin --data-dir DIR stats");
     },
     [](Cmd& c) { return c.dest.empty() ? std::string("DEST must not be empty") : std::string(); }, &Runner::backup},
    {"", "migrate",
     "Create or upgrade the PostgreSQL schema of storage.backend = postgresql (run before the nodes start, and "
     "after an upgrade)",
     [](CLI::App& sub, Cmd&) {
       sub.footer("Safe to run from several places at once (an advisory lock) and again (nothing to do then). "
                  "With the embedded RocksDB backend there is nothing to migrate.");
     },
     nullptr, &Runner::migrate, kNoDatabase},
    {"", "stats", "Counts of organizations, users and keys, and database statistics",
     [](CLI::App& sub, Cmd& c) { sub.add_flag("--verbose", c.verbose, "Include RocksDB's full statistics"); },
     nullptr, &Runner::stats},
    {"rows", "import",
     "Append the rows of a CSV or JSON file to an upload data source, as POST /api/data-sources/ID/rows/ does",
     [](CLI::App& sub, Cmd& c) {
       id_option(sub, "--data-source", c.data_source_id, "The data source's id (of type upload)")->required();
       sub.add_flag("--replace", c.replace, "Replace all its rows instead of appending (mode=replace)");
       sub.add_option("--format", c.format,
                      "csv or json (a JSON array of objects); default: json for a .json file, else csv")
           ->type_name("FORMAT")
           ->check(CLI::IsMember({"csv", "json"}));
       sub.add_option("FILE", c.file, "The file to read; a relative path is relative to your working directory")
           ->required()
           ->type_name("FILE");
       sub.footer(
           "claribi-admin reads FILE itself (a running server gets the open file, not its path);\n"
           "FILE may be a pipe (/dev/stdin). Progress goes to stderr, the summary line to stdout.\n"
           "A refused file appends nothing. Exit codes: 0 imported, 1 refused or failed, 2 usage error.");
     },
     [](Cmd& c) {
       if (c.file.empty()) return std::string("FILE must not be empty");
       if (c.format.empty()) {
         // From the extension, in any letter case; anything else is CSV.
         std::string ext;
         size_t dot = c.file.rfind('.');
         if (dot != std::string::npos && c.file.find('/', dot) == std::string::npos) ext = c.file.substr(dot + 1);
         for (char& ch : ext) ch = ascii_lower(ch);
         c.format = ext == "json" ? "json" : "csv";
       }
       return std::string();
     },
     &Runner::rows_import, kReadsFile},
};

// The command that args (the command line after the global options) names
// by its leading words, without parsing the rest; nullptr when none does.
const Command* named_command(const std::vector<std::string>& args) {
  for (const Command& cmd : kCommands) {
    if (cmd.group.empty() ? !args.empty() && args[0] == cmd.name
                          : args.size() >= 2 && args[0] == cmd.group && args[1] == cmd.name)
      return &cmd;
  }
  return nullptr;
}

bool given(const CLI::App* sub, const char* option) {
  const CLI::Option* o = sub->get_option_no_throw(option);
  return o != nullptr && o->count() > 0;
}

// Parses `args` into *c. The answer for --help or a usage error, or nullopt.
std::optional<AdminOutput> parse(const std::vector<std::string>& args, Cmd* c) {
  CLI::App app{"clariBI administration: organizations, users, API keys, backups, row imports.",
               std::string(kProgram)};
  app.require_subcommand(1);
  app.footer(kTopFooter);

  std::vector<std::pair<CLI::App*, const Command*>> subs;
  std::map<std::string_view, CLI::App*> groups;
  for (const Command& cmd : kCommands) {
    CLI::App* parent = &app;
    if (!cmd.group.empty()) {
      CLI::App*& group = groups[cmd.group];
      if (group == nullptr) {
        auto g = std::find_if(std::begin(kGroups), std::end(kGroups),
                              [&](const Group& x) { return x.name == cmd.group; });
        group = app.add_subcommand(std::string(cmd.group), std::string(g->summary));
        group->require_subcommand(1);
      }
      parent = group;
    }
    CLI::App* sub = parent->add_subcommand(std::string(cmd.name), std::string(cmd.summary));
    cmd.declare(*sub, *c);
    subs.emplace_back(sub, &cmd);
  }

  std::vector<const char*> argv;
  argv.push_back(kProgram.data());
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::string message;
  ConfigOutcome outcome = parse_command_line(app, kProgram, int(argv.size()), argv.data(), &message);
  if (outcome == ConfigOutcome::kExitOk) return AdminOutput{kAdminExitOk, message, ""};
  if (outcome == ConfigOutcome::kExitError) {
    if (args.empty()) return AdminOutput{kAdminExitUsage, "", app.help()};
    return AdminOutput{kAdminExitUsage, "", message + "\n"};
  }

  CLI::App* sub = nullptr;
  for (auto& [s, cmd] : subs) {
    if (s->parsed()) {
      sub = s;
      c->command = cmd;
    }
  }
  if (c->command == nullptr) return AdminOutput{kAdminExitUsage, "", app.help()};
  c->has_org = given(sub, "--org");
  c->has_email = given(sub, "--email");
  c->has_id = given(sub, "--id");

  // Normalized values (the validators checked them).
  c->email = model::normalize_email(c->email);
  c->org_name = std::string(trim_whitespace(c->org_name));
  c->plan = std::string(trim_whitespace(c->plan));
  c->first_name = std::string(trim_whitespace(c->first_name));
  c->last_name = std::string(trim_whitespace(c->last_name));
  c->key_name = std::string(trim_whitespace(c->key_name));
  if (c->command->complete != nullptr) {
    if (std::string problem = c->command->complete(*c); !problem.empty()) {
      const std::string path = c->command->path();
      return AdminOutput{kAdminExitUsage, "",
                         std::string(kProgram) + ": " + path + ": " + problem + " (see " + path + " --help)\n"};
    }
  }
  return std::nullopt;
}

}  // namespace

AdminCommands::AdminCommands(const Config& config, identity::IdentityService& identity, storage::Database& db)
    : config_(config), identity_(identity), db_(db) {}

AdminCommands::AdminCommands(const Config& config, identity::IdentityService& identity, storage::Database& db,
                             AdminRows rows)
    : config_(config), identity_(identity), db_(db), rows_(rows) {}

AdminOutput AdminCommands::run(const std::vector<std::string>& args, const std::string& cwd) const {
  return run(args, cwd, AdminInput{});
}

AdminOutput AdminCommands::run(const std::vector<std::string>& args, const std::string& cwd,
                               const AdminInput& input) const {
  Cmd c;
  if (std::optional<AdminOutput> early = parse(args, &c)) return std::move(*early);
  Runner runner(config_, identity_, db_, rows_, input, cwd);
  return (runner.*(c.command->handler))(c);
}

std::optional<AdminOutput> AdminCommands::check_usage(const std::vector<std::string>& args) {
  Cmd c;
  return parse(args, &c);
}

bool AdminCommands::creates_database(const std::vector<std::string>& args) {
  const Command* cmd = named_command(args);
  return cmd != nullptr && (cmd->traits & kCreatesDatabase) != 0;
}

bool AdminCommands::runs_without_database(const std::vector<std::string>& args) {
  const Command* cmd = named_command(args);
  return cmd != nullptr && (cmd->traits & kNoDatabase) != 0;
}

AdminOutput AdminCommands::migrate(const Config& config) {
  if (config.storage.backend != StorageBackend::kPostgresql) {
    return AdminOutput{kAdminExitOk, "migrate: storage.backend is rocksdb; the embedded database needs no migration\n",
                       ""};
  }
  if (config.storage.postgresql_url.empty()) {
    return AdminOutput{kAdminExitFailed, "", "claribi-admin: storage.backend = postgresql needs storage.postgresql_url\n"};
  }
  std::string report;
  const std::string shown = mask_url_password(config.storage.postgresql_url);
  if (Status s = storage::MigratePostgres(config.storage.postgresql_url, shown, &report); !s.ok()) {
    return AdminOutput{kAdminExitFailed, "", "claribi-admin: migrate " + shown + ": " + s.message() + "\n"};
  }
  return AdminOutput{kAdminExitOk, "migrate: " + shown + ": " + report + "\n", ""};
}

bool AdminCommands::takes_password(const std::vector<std::string>& args) {
  const Command* cmd = named_command(args);
  return cmd != nullptr && (cmd->traits & kTakesPassword) != 0;
}

std::optional<std::string> AdminCommands::input_file(const std::vector<std::string>& args) {
  Cmd c;
  if (parse(args, &c) || (c.command->traits & kReadsFile) == 0) return std::nullopt;
  return c.file;
}

}  // namespace claribi::server
