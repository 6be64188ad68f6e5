// ServerProcess: starts the real claribi-server binary on ephemeral ports
// with a temporary data directory, reads the ports it prints, and stops it.
#pragma once

#include <string>
#include <vector>

namespace claribi::e2e {

std::string make_temp_dir();
void remove_tree(const std::string& path);

class ServerProcess {
 public:
  // extra: additional flags, e.g. {"--trusted-proxies", "127.0.0.1"}.
  explicit ServerProcess(std::vector<std::string> extra = {}, std::string data_dir = "");
  ~ServerProcess();
  bool running() const { return pid_ > 0; }
  int tls_port() const { return tls_port_; }
  int plain_port() const { return plain_port_; }
  const std::string& data_dir() const { return data_dir_; }
  int pid() const { return pid_; }
  // Sends SIGTERM and waits; returns the exit status (or -1).
  int terminate();
  // SIGKILL, no clean shutdown.
  void kill9();
  // Text the server wrote to stdout/stderr so far (for failure messages).
  std::string output() const;

 private:
  int pid_ = -1;
  int tls_port_ = 0;
  int plain_port_ = 0;
  bool own_dir_ = false;
  std::string data_dir_;
  std::string log_path_;
};

// Runs claribi-admin with these arguments; returns its exit code, output in *out.
int run_admin(const std::vector<std::string>& args, std::string* out);

}  // namespace claribi::e2e
