#include "server/server.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "api/pipeline.h"
#include "auth/jwt.h"
#include "common/time_util.h"
#include "index/qsbr.h"
#include "net/access_log.h"
#include "net/dev_cert.h"
#include "net/listener.h"
#include "net/reactor.h"
#include "net/tls_context.h"
#include "metrics/exporter.h"
#include "metrics/registry.h"
#include "server/admin_socket.h"
#include "config/quote.h"
#include "limit/redis_limiter.h"
#include "server/config_check.h"
#include "server/data_dir_lock.h"
#include "server/app.h"

namespace claribi::server {

struct Server::Impl {
  Config config;
  std::optional<DataDirLock> dir_lock;  // first in, last out: held until everything below is gone
  std::unique_ptr<App> app;
  std::unique_ptr<net::TlsContext> tls;
  net::TlsOptions tls_opts;  // the files SIGHUP re-reads
  std::unique_ptr<net::AccessLogWriter> log_writer;
  int log_fd = -1;
  net::NetShared shared;
  std::vector<std::unique_ptr<net::Reactor>> reactors;
  std::unique_ptr<AdminSocket> admin;
  std::unique_ptr<metrics::Registry> metrics;
  std::unique_ptr<metrics::Exporter> exporter;
  bool started = false;
};

namespace {
Status ensure_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::IoError("cannot create data directory " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

net::AccessLogMode log_mode(AccessLogMode m) {
  switch (m) {
    case AccessLogMode::kOff: return net::AccessLogMode::kOff;
    case AccessLogMode::kSampled: return net::AccessLogMode::kSampled;
    case AccessLogMode::kAll: return net::AccessLogMode::kAll;
  }
  return net::AccessLogMode::kAll;
}
}  // namespace

Server::Server(Config config) : impl_(new Impl) { impl_->config = std::move(config); }

Server::~Server() = default;

Status Server::start() {
  Impl& s = *impl_;
  const Config& cfg = s.config;
  Status st = ensure_dir(cfg.data_dir);
  if (!st.ok()) return st;
  auto lock = DataDirLock::Acquire(cfg.data_dir);
  if (!lock.ok()) return lock.status();
  s.dir_lock.emplace(std::move(*lock));

  // TLS: configured certificate, or the development one.
  net::TlsOptions tls_opts;
  if (cfg.uses_dev_certificate()) {
    auto paths = net::ensure_dev_certificate(cfg.data_dir);
    if (!paths.ok()) return paths.status();
    tls_opts.cert_file = paths->cert_file;
    tls_opts.key_file = paths->key_file;
  } else {
    tls_opts.cert_file = cfg.tls.cert_file;
    tls_opts.key_file = cfg.tls.key_file;
  }
  tls_opts.session_tickets = cfg.tls.session_tickets;
  auto tls = net::TlsContext::Create(tls_opts);
  if (!tls.ok()) return tls.status();
  s.tls = std::move(tls.value());
  s.tls_opts = tls_opts;

  // JWT secret: CLARIBI_JWT_SECRET, else the secret file (generated once).
  std::string secret = cfg.jwt_secret_env;
  if (secret.empty()) {
    auto loaded = auth::load_or_create_jwt_secret(cfg.jwt_secret_path());
    if (!loaded.ok()) return loaded.status();
    secret = std::move(loaded.value());
  }

  // Storage, indexes and the pipeline.
  unsigned threads = cfg.reactor_threads();
  auto app = App::open(cfg, secret, threads);
  if (!app.ok()) return app.status();
  s.app = std::move(app.value());

  if (cfg.log.access != AccessLogMode::kOff) {
    s.log_fd = STDOUT_FILENO;
    if (!cfg.log.access_file.empty()) {
      s.log_fd = ::open(cfg.log.access_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
      if (s.log_fd < 0) return Status::IoError("cannot open access log " + cfg.log.access_file + ": " + std::strerror(errno));
    }
    s.log_writer = std::make_unique<net::AccessLogWriter>(s.log_fd, s.log_fd != STDOUT_FILENO);
  }

  // Listeners: the first reactor's socket picks the port (it may be 0 in
  // tests); the others bind the same one with SO_REUSEPORT.
  net::NetOptions no;
  no.threads = int(threads);
  no.max_connections = cfg.max_connections;
  no.limits.max_head_bytes = cfg.http.max_header_bytes;
  no.limits.max_body_bytes = cfg.http.max_body_bytes;
  no.header_timeout_ms = uint64_t(cfg.http.header_timeout.count()) * 1000;
  no.idle_timeout_ms = uint64_t(cfg.http.idle_timeout.count()) * 1000;
  no.max_pipelined = cfg.http.max_pipelined;
  no.min_body_rate = cfg.http.min_body_rate;
  if (cfg.http.hsts_max_age.count() > 0) {
    no.hsts = "Strict-Transport-Security: max-age=" + std::to_string(cfg.http.hsts_max_age.count()) + "\r\n";
  }
  no.pin_threads = cfg.pin_threads;
  const TrustedProxies* trusted = &cfg.trusted_proxies;
  no.is_trusted_proxy = [trusted](const sockaddr* a) { return trusted->is_trusted(a); };
  no.access_log = log_mode(cfg.log.access);
  no.access_log_sample_every = cfg.log.access_sample_rate;
  no.metric_routes = api::routes().size();

  sockaddr_storage tls_addr{}, plain_addr{};
  cfg.listen.to_sockaddr(&tls_addr);
  bool has_plain = !cfg.plain_listen.empty();
  if (has_plain) cfg.plain_listen.to_sockaddr(&plain_addr);
  int tls_port = 0, plain_port = 0;
  for (unsigned i = 0; i < threads; ++i) {
    auto r = std::make_unique<net::Reactor>(int(i), no, s.shared, s.app->pipeline(), s.tls.get(), s.log_writer.get());
    auto fd = net::open_listen_socket(tls_addr, 1024);
    if (!fd.ok()) return fd.status();
    if (i == 0) {
      tls_port = net::bound_port(*fd);
      reinterpret_cast<sockaddr_in*>(&tls_addr)->sin_port = htons(uint16_t(tls_port));  // same offset for v6
    }
    st = r->add_listener(*fd, net::Reactor::ListenerKind::kTls);
    if (!st.ok()) return st;
    if (has_plain) {
      auto pfd = net::open_listen_socket(plain_addr, 1024);
      if (!pfd.ok()) return pfd.status();
      if (i == 0) {
        plain_port = net::bound_port(*pfd);
        reinterpret_cast<sockaddr_in*>(&plain_addr)->sin_port = htons(uint16_t(plain_port));
      }
      st = r->add_listener(*pfd, net::Reactor::ListenerKind::kPlain);
      if (!st.ok()) return st;
    }
    net::Reactor* rp = r.get();
    index::Qsbr* qsbr = &s.app->qsbr();
    auto slot = std::make_shared<int>(-1);
    // QSBR: the reactor is an index reader, online for its whole life. It
    // holds no index pointer between callbacks, so the moment before it may
    // block in poll is its quiescent point; an idle reactor still passes
    // one every second (its tick timer), so reclamation is never held up
    // for long.
    rp->set_thread_hooks(
        [qsbr, slot] {
          *slot = qsbr->register_reader();
          qsbr->online(*slot);
        },
        [qsbr, slot] { qsbr->quiescent(*slot); },
        [qsbr, slot] {
          qsbr->offline(*slot);
          qsbr->unregister_reader(*slot);
        });
    App* a = s.app.get();
    rp->add_tick([a, i](int64_t now) { a->tick(int(i), now); });
    if (limit::RedisLimiter* shared = a->shared_limiter()) {
      // The reactor's own Redis connection, opened on its loop once it runs.
      rp->post([shared, rp, i] { shared->attach(int(i), rp->loop()); });
      rp->add_tick([shared, i](int64_t) { shared->tick(int(i)); });
      rp->add_close_hook([shared, i] { shared->detach(int(i)); });
    }
    if (i == 0) {
      net::TlsContext* tc = s.tls.get();
      int64_t every = cfg.tls.ticket_key_rotation.count();
      auto last = std::make_shared<int64_t>(unix_now());
      rp->add_tick([tc, every, last](int64_t now) {
        if (every > 0 && now - *last >= every) {
          tc->rotate_ticket_key();
          *last = now;
        }
      });
    }
    s.reactors.push_back(std::move(r));
  }

  // Metrics: the reactors' own figures summed, and what the App owns.
  std::vector<metrics::Registry::RouteName> route_names;
  for (const api::Route& r : api::routes())
    route_names.push_back({std::string(http::method_name(r.method)), std::string(r.pattern)});
  s.metrics = std::make_unique<metrics::Registry>(std::move(route_names));
  for (auto& r : s.reactors) s.metrics->add_reactor(&r->metrics());
  s.app->add_metrics(*s.metrics);
  int metrics_port = 0;
  if (!cfg.metrics_listen.empty()) {
    sockaddr_storage maddr{};
    cfg.metrics_listen.to_sockaddr(&maddr);
    auto mfd = net::open_listen_socket(maddr, 64);
    if (!mfd.ok()) return Status::IoError("metrics_listen " + cfg.metrics_listen.to_string() + ": " + mfd.status().message());
    metrics_port = net::bound_port(*mfd);
    metrics::Registry* registry = s.metrics.get();
    s.exporter = std::make_unique<metrics::Exporter>([registry] { return registry->render(); });
    s.exporter->start(*mfd);
  }

  s.admin = std::make_unique<AdminSocket>(cfg, s.app->identity(), s.app->db(), s.app->qsbr(),
                                          AdminRows{&s.app->context().resources.data_sources, &s.app->context().rows});
  st = s.admin->start(cfg.data_dir + "/admin.sock");
  if (!st.ok()) return st;

  for (auto& r : s.reactors) r->start();
  s.started = true;
  // Scheduled reports (a time missed while the server was down runs now).
  const size_t owed = s.app->start_scheduler();
  if (cfg.reports.smtp_url.empty()) {
    std::printf("claribi-server: reports.smtp_url is not set: scheduled reports are recorded, not e-mailed\n");
    if (owed > 0) std::printf("claribi-server: %zu report deliveries still pending recorded as failed (no relay)\n", owed);
  } else {
    if (owed > 0) std::printf("claribi-server: %zu report deliveries still pending resumed\n", owed);
    std::printf("claribi-server: scheduled reports are e-mailed through %s\n",
                mask_url_password(cfg.reports.smtp_url).c_str());
  }
  std::string host = cfg.listen.is_ipv6() ? "[" + cfg.listen.host + "]" : cfg.listen.host;
  std::printf("claribi-server: https listening on %s:%d\n", host.c_str(), tls_port);
  if (has_plain) {
    std::string phost = cfg.plain_listen.is_ipv6() ? "[" + cfg.plain_listen.host + "]" : cfg.plain_listen.host;
    std::printf("claribi-server: http listening on %s:%d (trusted proxies only)\n", phost.c_str(), plain_port);
  }
  if (s.exporter) {
    std::string mhost = cfg.metrics_listen.is_ipv6() ? "[" + cfg.metrics_listen.host + "]" : cfg.metrics_listen.host;
    std::printf("claribi-server: metrics listening on %s:%d (GET /metrics)\n", mhost.c_str(), metrics_port);
  }
  if (limit::RedisLimiter* shared = s.app->shared_limiter()) {
    std::printf("claribi-server: rate limits shared in Redis at %s (node %s; no answer within %u ms: %s)\n",
                shared->endpoint_shown().c_str(), shared->node_id().c_str(), cfg.rate_limits.redis_timeout_ms,
                cfg.rate_limits.redis_fallback == RedisFallback::kLocal ? "this node's share of each limit"
                                                                        : "503");
  }
  s.app->serving().ready.store(true);
  std::printf("claribi-server: ready with %u reactor threads, data in %s\n", threads, cfg.data_dir.c_str());
  std::fflush(stdout);
  return Status::Ok();
}

void Server::wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    std::fprintf(stderr, "claribi-server: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return;
  }
}

void Server::reload() {
  Impl& s = *impl_;
  Status st = s.tls->reload(s.tls_opts);
  if (st.ok()) {
    std::fprintf(stderr, "claribi-server: SIGHUP: certificate %s and key %s reloaded for new connections\n",
                 s.tls_opts.cert_file.c_str(), s.tls_opts.key_file.c_str());
  } else {
    std::fprintf(stderr, "claribi-server: SIGHUP: certificate not reloaded, the current one keeps serving: %s\n",
                 st.message().c_str());
  }
  const std::string& file = s.config.log.access_file;
  if (s.log_writer && !file.empty()) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      s.log_writer->reopen(fd);
      std::fprintf(stderr, "claribi-server: SIGHUP: access log %s reopened\n", file.c_str());
    } else {
      std::fprintf(stderr, "claribi-server: SIGHUP: access log %s not reopened, still writing the old one: %s\n",
                   file.c_str(), std::strerror(errno));
    }
  }
}

void Server::shutdown() {
  Impl& s = *impl_;
  uint64_t grace_ms = uint64_t(s.config.shutdown_timeout.count()) * 1000;
  if (s.app) s.app->serving().draining.store(true);
  if (s.exporter) s.exporter->stop();  // before the reactors and the App it reads go
  if (s.admin) s.admin->stop();
  for (auto& r : s.reactors) r->begin_shutdown(grace_ms);
  for (auto& r : s.reactors) r->join();
  // The reactors are gone: their last-used tables can be flushed from here.
  if (s.app) s.app->flush_last_used(unsigned(s.reactors.size()), unix_now());
  s.reactors.clear();
  if (s.log_writer) s.log_writer->stop();
  s.app.reset();  // stops the writer, closes RocksDB cleanly
  std::fflush(stdout);
}

}  // namespace claribi::server
