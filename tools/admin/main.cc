// claribi-admin: the operator's tool (API.md §8). Global options come from
// the server's configuration sources (ConfigFlags: --config, --data-dir,
// CLARIBI_* environment); everything else is the command, parsed and run by
// AdminCommands:
//   - if the server runs on the data directory (its admin socket answers),
//     the command is sent to it and its answer printed;
//   - otherwise the tool opens <data-dir>/db itself and runs the command
//     with the same code, so the output is the same either way.
// `rows import` reads a file: the tool opens it either way (a running server
// gets the open descriptor over the socket, never the path) and draws the
// import's progress on stderr (ProgressDisplay) from the server's progress
// frames or from the import running here.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "password_input.h"
#include "config/config.h"
#include "config/config_flags.h"
#include "identity/identity_index.h"
#include "identity/identity_service.h"
#include "index/qsbr.h"
#include "server/admin_commands.h"
#include "server/admin_socket.h"
#include "server/database_options.h"
#include "server/row_import.h"
#include "storage/database.h"

namespace {

using claribi::server::AdminOutput;
using claribi::server::ImportProgress;
using claribi::server::kAdminExitFailed;

// An import's progress on stderr. On a terminal: one line redrawn with \r —
// a bar, the percentage, MB done/total, rows/s and the time left. Otherwise
// (a log, a pipe): a plain line at the start, at every 10% step, at least
// every 5 s, never a \r. Without a known size (a pipe as FILE): MB and rows
// only. rows/s is rows read over the time since the import started; at the
// end the bar is drawn once more, so it shows the whole import's rate.
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void update(const ImportProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = last_line_ = now;
    }
    last_ = p;
    show(p, now);
  }

  // Ends the bar's line, so what follows starts on a line of its own; in
  // plain mode, prints the final state when the last line did not show it
  // (the rows parsed go on after the file was read).
  void end() {
    if (!tty_) {
      if (printed_ && last_.rows_done != printed_rows_) {
        last_step_ = -2;  // force the line
        show(last_, std::chrono::steady_clock::now());
      }
      return;
    }
    if (drawn_ == 0) return;
    show(last_, std::chrono::steady_clock::now());
    std::fputc('\n', stderr);
    drawn_ = 0;
  }

 private:
  void show(const ImportProgress& p, std::chrono::steady_clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const int percent =
        p.bytes_total == 0 ? -1 : int(std::min<uint64_t>(100, p.bytes_done * 100 / p.bytes_total));
    std::string rate = elapsed >= 0.05 ? thousands(uint64_t(double(p.rows_done) / elapsed)) + " rows/s" : "- rows/s";
    std::string eta;
    if (percent >= 0 && p.bytes_done > 0 && elapsed >= 0.05) {
      double left = double(p.bytes_total > p.bytes_done ? p.bytes_total - p.bytes_done : 0) * elapsed /
                    double(p.bytes_done);
      eta = "ETA " + clock_text(uint64_t(left + 0.5));
    }
    if (tty_) {
      std::string line;
      if (percent >= 0) {
        const int filled = percent / 5;
        line = "[" + std::string(size_t(filled), '#') + std::string(size_t(20 - filled), '.') + "] " +
               pad(std::to_string(percent), 3) + "%  " + mb(p.bytes_done) + "/" + mb(p.bytes_total) + " MB  " + rate +
               "  " + eta;
      } else {
        line = "importing  " + mb(p.bytes_done) + " MB  " + thousands(p.rows_done) + " rows  " + rate;
      }
      std::string out = "\r" + line;
      if (line.size() < drawn_) out.append(drawn_ - line.size(), ' ');
      drawn_ = line.size();
      std::fwrite(out.data(), 1, out.size(), stderr);
      std::fflush(stderr);
      return;
    }
    const int step = percent < 0 ? -1 : percent / 10;
    const bool first = !printed_;
    if (!first && step == last_step_ && now - last_line_ < std::chrono::seconds(5)) return;
    printed_ = true;
    last_step_ = step;
    last_line_ = now;
    std::string line = "rows import: ";
    if (percent >= 0) {
      line += std::to_string(percent) + "% (" + mb(p.bytes_done) + " of " + mb(p.bytes_total) + " MB, " +
              thousands(p.rows_done) + " rows, " + rate + (eta.empty() ? "" : ", " + eta) + ")";
    } else {
      line += mb(p.bytes_done) + " MB, " + thousands(p.rows_done) + " rows, " + rate;
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
    printed_rows_ = p.rows_done;
  }

  static std::string thousands(uint64_t v) {
    std::string digits = std::to_string(v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }
  static std::string mb(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", double(bytes) / 1e6);
    return buf;
  }
  static std::string clock_text(uint64_t seconds) {
    char buf[32];
    if (seconds >= 3600)
      std::snprintf(buf, sizeof(buf), "%llu:%02llu:%02llu", (unsigned long long)(seconds / 3600),
                    (unsigned long long)(seconds / 60 % 60), (unsigned long long)(seconds % 60));
    else
      std::snprintf(buf, sizeof(buf), "%llu:%02llu", (unsigned long long)(seconds / 60),
                    (unsigned long long)(seconds % 60));
    return buf;
  }
  static std::string pad(const std::string& s, size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
  }

  bool tty_;
  bool started_ = false;
  bool printed_ = false;
  int last_step_ = -2;
  uint64_t printed_rows_ = 0;  // rows_done of the last plain line
  size_t drawn_ = 0;
  ImportProgress last_;
  std::chrono::steady_clock::time_point start_, last_line_;
};

// The file of `rows import`, open for the whole run.
struct InputFile {
  int fd = -1;
  ~InputFile() {
    if (fd >= 0) ::close(fd);
  }
};

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
                const std::string& socket_path, const std::string& socket_error,
                const claribi::server::AdminInput& input, ProgressDisplay& display) {
  namespace server = claribi::server;
  if (server::AdminCommands::runs_without_database(args)) {
    display.end();
    return finish(server::AdminCommands::migrate(config));
  }
  const bool postgresql = config.storage.backend == claribi::StorageBackend::kPostgresql;
  const std::string db_path = config.data_dir + "/db";
  if (!postgresql && !exists(db_path) && !server::AdminCommands::creates_database(args)) {
    if (!args.empty() && args.front() == "is-bootstrapped")
      return finish(AdminOutput{kAdminExitFailed, "not bootstrapped: no database at " + db_path + "\n", ""});
    return fail("no database at " + db_path + " (wrong --data-dir? run bootstrap first)");
  }
  if (::mkdir(config.data_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail("cannot create data directory " + config.data_dir + ": " + std::strerror(errno));

  claribi::storage::DatabaseOptions options = claribi::server::database_options(config);
  auto opened = claribi::storage::Database::Open(options);
  if (!opened.ok()) {
    if (!postgresql && opened.status().code() == claribi::StatusCode::kUnavailable) {
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

  AdminOutput result;
  if (input.file_fd >= 0) {
    // rows import: the rows machinery on its own QSBR domain (its writer is
    // the group-commit thread), and no ReaderScope: the import reads no index.
    claribi::index::Qsbr rows_qsbr(2);
    auto rows = server::StandaloneRows::open(config, *db, rows_qsbr);
    if (!rows.ok()) return fail("cannot load the rows of the data sources: " + rows.status().message());
    result = server::AdminCommands(config, identity, *db, rows.value()->access()).run(args, cwd, input);
  } else {
    int slot = qsbr.register_reader();
    {
      claribi::index::ReaderScope scope(qsbr, slot);
      result = server::AdminCommands(config, identity, *db).run(args, cwd);
    }
    qsbr.unregister_reader(slot);
  }
  display.end();
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
  std::vector<std::string> args = app.remaining();
  if (std::string error; !claribi::admin::take_password(&args, &error)) {
    std::fprintf(stderr, "claribi-admin: %s\n", error.c_str());
    return claribi::server::kAdminExitUsage;
  }

  // Help and usage errors need neither the server nor the database.
  if (std::optional<AdminOutput> early = claribi::server::AdminCommands::check_usage(args)) return finish(*early);

  // rows import: the file is opened here, by the operator's process, either way.
  InputFile input_file;
  claribi::server::AdminInput input;
  ProgressDisplay display;
  if (std::optional<std::string> path = claribi::server::AdminCommands::input_file(args)) {
    input_file.fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
    if (input_file.fd < 0) return fail("cannot open " + *path + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(input_file.fd, &st) != 0) return fail("cannot read " + *path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail("cannot import " + *path + ": it is a directory");
    input.file_fd = input_file.fd;
    input.progress = [&display](const ImportProgress& p) {
      display.update(p);
      return true;
    };
  }

  while (config.data_dir.size() > 1 && config.data_dir.back() == '/') config.data_dir.pop_back();
  const std::string cwd = current_dir();
  const std::string socket_path = config.data_dir + "/" + std::string(claribi::server::kAdminSocketName);
  AdminOutput answer;
  std::string error;
  auto on_progress = [&display](const ImportProgress& p) { display.update(p); };
  switch (claribi::server::call_admin_socket(socket_path, args, cwd, &answer, &error, input.file_fd, on_progress)) {
    case claribi::server::AdminCallResult::kAnswered:
      display.end();
      return finish(answer);
    case claribi::server::AdminCallResult::kFailed:
      display.end();
      return fail(error);
    case claribi::server::AdminCallResult::kNoServer:
      break;
  }
  return run_locally(config, args, cwd, socket_path, error, input, display);
}
