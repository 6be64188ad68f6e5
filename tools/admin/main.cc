// claribi-admin: the operator's tool (API.md §8). Global options come from
// the server's configuration sources (ConfigFlags: --config, --data-dir,
// CLARIBI_* environment); everything else is the command, parsed and run by
// AdminCommands:
//   - if the server runs on the data directory (its admin socket answers),
//     the command is sent to it and its answer printed;
//   - otherwise the tool opens <data-dir>/db itself and runs the command
//     with the same code, so the output is the same either way.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "config/config.h"
#include "config/config_flags.h"
#include "identity/identity_index.h"
#include "identity/identity_service.h"
#include "index/qsbr.h"
#include "server/admin_commands.h"
#include "server/admin_socket.h"
#include "storage/database.h"

namespace {

using claribi::server::AdminOutput;
using claribi::server::kAdminExitFailed;

int finish(const AdminOutput& r) {
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  return r.exit_code;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "claribi-admin: %s\n", message.c_str());
  return kAdminExitFailed;
}

std::string current_dir() {
  std::vector<char> buf(4096);
  while (::getcwd(buf.data(), buf.size()) == nullptr) {
    if (errno != ERANGE) return "/";
    buf.resize(buf.size() * 2);
  }
  return buf.data();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The server is stopped (or not answering): open the database and run here.
int run_locally(const claribi::Config& config, const std::vector<std::string>& args, const std::string& cwd,
                const std::string& socket_path, const std::string& socket_error) {
  namespace server = claribi::server;
  const std::string db_path = config.data_dir + "/db";
  if (!exists(db_path) && !server::AdminCommands::creates_database(args)) {
    if (!args.empty() && args.front() == "is-bootstrapped")
      return finish(AdminOutput{kAdminExitFailed, "not bootstrapped: no database at " + db_path + "\n", ""});
    return fail("no database at " + db_path + " (wrong --data-dir? run bootstrap first)");
  }
  if (::mkdir(config.data_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail("cannot create data directory " + config.data_dir + ": " + std::strerror(errno));

  claribi::storage::DatabaseOptions options;
  options.path = db_path;
  options.block_cache_bytes = size_t(config.storage.block_cache_mb) << 20;
  auto opened = claribi::storage::Database::Open(options);
  if (!opened.ok()) {
    if (opened.status().code() == claribi::StatusCode::kUnavailable) {
      return fail("the database " + db_path +
                  " is in use by another process (claribi-server, or another claribi-admin), and the server's admin socket " +
                  socket_path + " did not answer (" + socket_error + ")");
    }
    return fail("cannot open the database: " + opened.status().message());
  }
  std::unique_ptr<claribi::storage::Database> db = std::move(opened.value());

  claribi::index::Qsbr qsbr(2);
  claribi::identity::IdentityIndex index(qsbr);
  claribi::identity::IdentityService identity(*db, nullptr, index);
  if (claribi::Status s = identity.load(claribi::unix_now()); !s.ok())
    return fail("cannot load the identity records: " + s.message());

  int slot = qsbr.register_reader();
  AdminOutput result;
  {
    claribi::index::ReaderScope scope(qsbr, slot);
    result = server::AdminCommands(config, identity, *db).run(args, cwd);
  }
  qsbr.unregister_reader(slot);
  return finish(result);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);

  // Global options only; every other argument, wherever it stands (flags may
  // follow the command: `users list --data-dir X`), is left for
  // AdminCommands, which owns --help too.
  CLI::App app{"clariBI administration", "claribi-admin"};
  claribi::ConfigFlags config_flags("claribi-admin");
  static constexpr std::string_view kAdminFlags[] = {"data_dir"};
  config_flags.add_to(app, kAdminFlags);
  app.set_help_flag();
  app.allow_extras();
  std::string message;
  claribi::Config config;
  auto outcome = claribi::parse_command_line(app, "claribi-admin", argc, argv, &message);
  if (outcome == claribi::ConfigOutcome::kRun)
    outcome = config_flags.finalize(claribi::Environment::from_process(), &config, &message);
  if (outcome != claribi::ConfigOutcome::kRun) {
    std::fprintf(outcome == claribi::ConfigOutcome::kExitOk ? stdout : stderr, "%s\n", message.c_str());
    return claribi::exit_code(outcome);
  }
  const std::vector<std::string> args = app.remaining();

  // Help and usage errors need neither the server nor the database.
  if (std::optional<AdminOutput> early = claribi::server::AdminCommands::check_usage(args)) return finish(*early);

  while (config.data_dir.size() > 1 && config.data_dir.back() == '/') config.data_dir.pop_back();
  const std::string cwd = current_dir();
  const std::string socket_path = config.data_dir + "/" + std::string(claribi::server::kAdminSocketName);
  AdminOutput answer;
  std::string error;
  switch (claribi::server::call_admin_socket(socket_path, args, cwd, &answer, &error)) {
    case claribi::server::AdminCallResult::kAnswered:
      return finish(answer);
    case claribi::server::AdminCallResult::kFailed:
      return fail(error);
    case claribi::server::AdminCallResult::kNoServer:
      break;
  }
  return run_locally(config, args, cwd, socket_path, error);
}
