// AdminCommands: the one implementation of every claribi-admin command.
//
// It runs in two places with the same code, so the output is the same text
// either way (API.md §8, issue 3 item 6):
//   - inside claribi-server, for a request that came in over the admin
//     socket (AdminSocket), against the server's IdentityService (writes go
//     through the group-commit writer; run() waits until they are durable);
//   - inside claribi-admin itself when the server is stopped, against an
//     IdentityService without a writer that the tool built on the database.
//
// Input: the argument vector after the global options (--data-dir, --config),
// e.g. {"users", "list", "--org", "1"}. The command's own flags are parsed
// here, with CLI11, so both paths accept and reject exactly the same command
// lines. Output: text for stdout, text for stderr and an exit code:
//   0 done, 1 refused or failed (email exists, not found, bad state, I/O),
//   2 usage error (unknown command or flag, missing or invalid value).
//
// Commands (see --help of each; the table kCommands in admin_commands.cc
// declares them, one row each):
//   bootstrap --org NAME --plan PLAN --ai-credits N --email E --password P
//             --first-name F --last-name L
//   is-bootstrapped
//   orgs list
//   users list [--org ID]
//   users create --org ID --email E --password P --first-name F --last-name L [--role R]
//   users disable (--email E | --id ID)     users enable (--email E | --id ID)
//   users reset-password (--email E | --id ID) --password P
//   keys create --email E --name N --scopes a,b,c [--expires-at ISO]
//   keys list [--org ID] [--all]
//   keys revoke --id ID
//   backup DEST
//   stats [--verbose]
//   rows import --data-source ID [--replace] [--format csv|json] FILE
//
// `rows import` is POST /api/data-sources/{ID}/rows/ for files too big to
// post from a laptop: the same upload pipeline (rows::Upload), the same
// refusals. It needs the rows services (AdminRows) and the file already
// open (AdminInput: claribi-admin opens FILE, and passes the descriptor to
// the server over the admin socket); the work is in row_import.h. It reads
// no index and may take minutes: run it outside any QSBR ReaderScope.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "identity/identity_service.h"
#include "storage/database.h"

namespace claribi {
namespace model {
struct DataSource;
}  // namespace model
namespace resources {
template <class Record>
class ResourceService;
}  // namespace resources
namespace rows {
class RowService;
}  // namespace rows
}  // namespace claribi

namespace claribi::server {

inline constexpr int kAdminExitOk = 0;
inline constexpr int kAdminExitFailed = 1;
inline constexpr int kAdminExitUsage = 2;

struct AdminOutput {
  int exit_code = kAdminExitOk;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

// Where `rows import` writes: the data sources and the rows of the server
// (App), or of StandaloneRows in claribi-admin. Null: the command fails.
struct AdminRows {
  resources::ResourceService<model::DataSource>* data_sources = nullptr;
  rows::RowService* rows = nullptr;
};

// How far an import is. bytes_total is 0 when the size is unknown (a pipe);
// rows_done counts the rows parsed so far.
struct ImportProgress {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t rows_done = 0;
};
// Runs on the importing thread about every 200 ms; false stops the import
// (the client went away, the server is stopping) while the file is still
// being read.
using ImportProgressFn = std::function<bool(const ImportProgress&)>;

// What one run() may read besides its arguments.
struct AdminInput {
  int file_fd = -1;           // `rows import`: FILE, open for reading (not closed by run())
  ImportProgressFn progress;  // `rows import`: may be empty
};

class AdminCommands {
 public:
  // config: the argon2 parameters for new password hashes.
  AdminCommands(const Config& config, identity::IdentityService& identity, storage::Database& db);
  // With the rows services, for `rows import`.
  AdminCommands(const Config& config, identity::IdentityService& identity, storage::Database& db, AdminRows rows);

  // Parses and runs one command. `cwd` is the absolute directory that a
  // relative path argument (backup DEST) is resolved against: the working
  // directory of the claribi-admin process that asked, not the server's.
  // The calling thread must be inside a qsbr ReaderScope of the index the
  // service writes (it reads the index, directly and through View). Writes
  // are waited for: when run() returns, they are durable and in the index.
  AdminOutput run(const std::vector<std::string>& args, const std::string& cwd) const;
  AdminOutput run(const std::vector<std::string>& args, const std::string& cwd, const AdminInput& input) const;

  // Parses only, touching nothing: the --help text (exit 0) or the usage
  // error (exit 2) that run() would answer, or nullopt when `args` is a valid
  // command that must be run. claribi-admin calls it first, so help and
  // usage errors need neither the server nor the database.
  static std::optional<AdminOutput> check_usage(const std::vector<std::string>& args);

  // Whether the command may create the database when there is none yet
  // (bootstrap); the others refuse to run on a missing database. `args`
  // must have passed check_usage.
  static bool creates_database(const std::vector<std::string>& args);

  // Whether the command runs without an open database (migrate, which
  // prepares the PostgreSQL schema the database needs); claribi-admin then
  // runs it with migrate() below, before opening anything.
  static bool runs_without_database(const std::vector<std::string>& args);
  static AdminOutput migrate(const Config& config);

  // Whether the command takes a password (bootstrap, users create, users
  // reset-password), which claribi-admin reads from --password-stdin or a
  // prompt when --password is not given. From the leading command words.
  static bool takes_password(const std::vector<std::string>& args);

  // The FILE of a valid `rows import` command line (as given: relative to
  // the caller's working directory), which the caller must open and pass
  // as AdminInput::file_fd; nullopt for every other command.
  static std::optional<std::string> input_file(const std::vector<std::string>& args);

 private:
  const Config& config_;
  identity::IdentityService& identity_;
  storage::Database& db_;
  AdminRows rows_;
};

}  // namespace claribi::server
