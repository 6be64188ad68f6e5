// claribi-server: the clariBI API server. Reads its configuration (defaults,
// --config file, CLARIBI_* environment, flags), starts, and runs until
// SIGTERM or SIGINT; SIGHUP reloads the certificate and reopens the access log.
#include <signal.h>

#include <cstdio>

#include "config/config.h"
#include "server/config_check.h"
#include "server/server.h"

int main(int argc, char** argv) {
#if defined(CLARIBI_LLHTTP_SSE42)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse4.2")) {
    std::fprintf(stderr,
                 "claribi-server: this CPU lacks SSE4.2, which this build's HTTP parser uses; "
                 "rebuild with -DCLARIBI_LLHTTP_SSE42=OFF\n");
    return 1;
  }
#endif
  claribi::Config config;
  std::string message;
  auto outcome = claribi::load_config_from_process("claribi-server", argc, argv, &config, &message);
  if (outcome == claribi::ConfigOutcome::kCheck) {
    std::string report;
    const bool ok = claribi::server::check_config(config, &report);
    std::fputs(report.c_str(), ok ? stdout : stderr);
    return ok ? 0 : claribi::kConfigErrorExitCode;
  }
  if (outcome != claribi::ConfigOutcome::kRun) {
    std::fprintf(outcome == claribi::ConfigOutcome::kExitOk ? stdout : stderr, "%s\n", message.c_str());
    return claribi::exit_code(outcome);
  }
  // Signals are taken by sigwait in the main thread only; every thread the
  // server starts inherits this mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  claribi::server::Server server(std::move(config));
  claribi::Status s = server.start();
  if (!s.ok()) {
    std::fprintf(stderr, "claribi-server: %s\n", s.message().c_str());
    server.shutdown();
    return 1;
  }
  server.wait_for_signal();
  server.shutdown();
  return 0;
}
