// AdminSocket: claribi-admin's way into a running server. A Unix stream
// socket at <data-dir>/admin.sock (mode 0600; the data directory is 0700),
// served by one thread, one request per connection, commands run one at a
// time by AdminCommands — the same code claribi-admin runs itself when the
// server is stopped, so the output is the same either way.
//
// Wire format (both directions): a frame is a u32 count, then per element a
// u32 length and that many bytes; integers are big-endian.
//   request:  ["claribi-admin/1", cwd, arg...]   cwd: the client's absolute
//             working directory (backup DEST is relative to it); args: the
//             command line after the global options ({"users","list"}).
//             For `rows import` the client's open descriptor of FILE comes
//             with the request (SCM_RIGHTS ancillary data on its first
//             bytes; exactly one descriptor); other requests carry none.
//   progress: ["progress", bytes_done, bytes_total, rows_done] (decimal),
//             only in answer to `rows import`, before the response: at the
//             start, about every 200 ms, and when the whole file was read.
//             bytes_total is 0 when the size is unknown (a pipe). Frames the
//             client is too slow to take are skipped, never waited for.
//   response: [exit code in decimal, stdout text, stderr text]; always the
//             last frame. A client tells them apart by the first element.
// The server only accepts peers running as its own user (or root), reads a
// request for at most 10 s (the time limit is for receiving the request, not
// for running it), and runs the command inside a QSBR ReaderScope on its own
// reader slot — except `rows import`, which runs on a thread of its own
// (at most kMaxAdminImports at once), outside any ReaderScope, so a long
// import neither holds up the other commands nor QSBR reclamation. When the
// client goes away (its socket closes) or the server stops while the file is
// still being read, the import is aborted and nothing is appended; an import
// whose whole file was read is finished and published.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "identity/identity_service.h"
#include "index/qsbr.h"
#include "server/admin_commands.h"
#include "storage/database.h"

namespace claribi::server {

inline constexpr std::string_view kAdminSocketName = "admin.sock";
inline constexpr std::string_view kAdminProtocol = "claribi-admin/1";
inline constexpr std::string_view kAdminProgressFrame = "progress";
inline constexpr size_t kMaxAdminImports = 4;

class AdminSocket {
 public:
  // rows: the services `rows import` writes through (null: it is refused).
  AdminSocket(const Config& config, identity::IdentityService& identity, storage::Database& db, index::Qsbr& qsbr,
              AdminRows rows = {});
  ~AdminSocket();  // stop()
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  // Removes a stale socket file at `socket_path` (only a socket: any other
  // file there is an error), binds, sets mode 0600, listens, registers a
  // reader slot and starts the thread. A path longer than sun_path allows is
  // bound through /proc/self/fd/<directory fd>/ (the client does the same).
  Status start(const std::string& socket_path);
  // Closes the listener, waits for the command in progress (if any), joins
  // the thread and removes the socket file. Prompt: the thread waits in
  // poll() on the listener and a wake-up pipe. Imports still reading their
  // file are aborted (within ~200 ms), those past it are waited for; then
  // their threads are joined. Call it before the App's pools and writer
  // stop. Idempotent.
  void stop();

 private:
  struct Import {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void loop();
  // false: the connection was handed to an import thread, which closes it.
  bool serve(int fd);
  void run_import(Import& self, int fd, int file_fd, std::vector<std::string> args, std::string cwd, unsigned uid);
  // Joins the import threads that are done (all of them when `all`).
  void reap_imports(bool all);

  const Config& config_;
  identity::IdentityService& identity_;
  storage::Database& db_;
  index::Qsbr& qsbr_;
  AdminRows rows_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int slot_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex imports_mu_;
  std::list<Import> imports_;  // under imports_mu_
};

// ---- client side (claribi-admin) ---------------------------------------------

enum class AdminCallResult {
  kAnswered,  // *out holds the server's answer
  kNoServer,  // nothing accepted the connection (no socket file, refused, ...): *error says why
  kFailed,    // connected, but the exchange broke: *error says why
};

// Sends one command to the server listening at `socket_path` and waits for
// its answer (no time limit: a backup may take a while). `file_fd` >= 0 is
// passed to the server with the request (rows import); `on_progress` hears
// the progress frames that come before the answer.
AdminCallResult call_admin_socket(const std::string& socket_path, const std::vector<std::string>& args,
                                  const std::string& cwd, AdminOutput* out, std::string* error, int file_fd = -1,
                                  const std::function<void(const ImportProgress&)>& on_progress = {});

}  // namespace claribi::server
