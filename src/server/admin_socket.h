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
//   response: [exit code in decimal, stdout text, stderr text]
// The server only accepts peers running as its own user (or root), reads a
// request for at most 10 s, and runs the command inside a QSBR ReaderScope on
// its own reader slot.
#pragma once

#include <atomic>
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

class AdminSocket {
 public:
  AdminSocket(const Config& config, identity::IdentityService& identity, storage::Database& db, index::Qsbr& qsbr);
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
  // poll() on the listener and a wake-up pipe. Idempotent.
  void stop();

 private:
  void loop();
  void serve(int fd);

  const Config& config_;
  identity::IdentityService& identity_;
  storage::Database& db_;
  index::Qsbr& qsbr_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int slot_ = -1;
  std::thread thread_;
};

// ---- client side (claribi-admin) ---------------------------------------------

enum class AdminCallResult {
  kAnswered,  // *out holds the server's answer
  kNoServer,  // nothing accepted the connection (no socket file, refused, ...): *error says why
  kFailed,    // connected, but the exchange broke: *error says why
};

// Sends one command to the server listening at `socket_path` and waits for
// its answer (no time limit: a backup may take a while).
AdminCallResult call_admin_socket(const std::string& socket_path, const std::vector<std::string>& args,
                                  const std::string& cwd, AdminOutput* out, std::string* error);

}  // namespace claribi::server
