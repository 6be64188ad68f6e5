#include "e2e/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace claribi::e2e {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/claribi-e2e-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? d : "";
}

void remove_tree(const std::string& path) {
  if (path.empty() || path.rfind("/tmp/", 0) != 0) return;
  std::string cmd = "rm -rf '" + path + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", path.c_str());
}

ServerProcess::ServerProcess(std::vector<std::string> extra, std::string data_dir) {
  if (data_dir.empty()) {
    data_dir_ = make_temp_dir();
    own_dir_ = true;
  } else {
    data_dir_ = data_dir;
  }
  log_path_ = data_dir_ + ".log";
  std::vector<std::string> args = {CLARIBI_SERVER_BIN, "--data-dir", data_dir_, "--listen", "127.0.0.1:0",
                                   "--plain-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "2",
                                   // Fast argon2 for tests (the OWASP default is for production).
                                   "--auth-argon2-memory-kib", "1024", "--auth-argon2-iterations", "1"};
  for (auto& e : extra) args.push_back(e);
  pid_ = fork();
  if (pid_ == 0) {
    FILE* f = std::freopen(log_path_.c_str(), "w", stdout);
    (void)f;
    dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // "claribi-server: https listening on 127.0.0.1:PORT": the port after the
  // last ':' of the first such line.
  auto port_after = [](const std::string& out, const std::string& marker) {
    size_t at = out.find(marker);
    if (at == std::string::npos) return 0;
    size_t eol = out.find('\n', at);
    std::string line = out.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    size_t space = line.find(' ', marker.size());  // "(trusted proxies only)" after the address
    std::string addr = line.substr(marker.size(), space == std::string::npos ? std::string::npos : space - marker.size());
    return std::atoi(addr.substr(addr.rfind(':') + 1).c_str());
  };
  for (int i = 0; i < 300; ++i) {  // up to 30 s (sanitizer builds are slow)
    std::string out = output();
    if (out.find("ready with") != std::string::npos) {
      tls_port_ = port_after(out, "https listening on ");
      plain_port_ = port_after(out, "http listening on ");
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string ServerProcess::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate();
  if (own_dir_) remove_tree(data_dir_);
  std::remove(log_path_.c_str());
}

int run_admin(const std::vector<std::string>& args, std::string* out) {
  std::string cmd = CLARIBI_ADMIN_BIN;
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  out->clear();
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace claribi::e2e
