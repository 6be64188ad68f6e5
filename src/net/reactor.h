// Reactor: one thread, one uv_loop_t, its own SO_REUSEPORT listeners (TLS
// and plain), its own Date cache, exchange pool and access-log buffer. Other
// threads reach it only through post(). Share nothing between reactors
// except what is read-mostly (the TLS context, the request handler, the indexes).
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/date_cache.h"
#include "http/http1_parser.h"
#include "metrics/reactor_metrics.h"
#include "net/access_log.h"
#include "net/exchange.h"

namespace claribi::net {

struct NetOptions {
  int threads = 1;
  int64_t max_connections = 10000;
  http::Http1Parser::Limits limits;
  uint64_t header_timeout_ms = 10000;
  uint64_t idle_timeout_ms = 60000;
  size_t max_pipelined = 32;
  uint64_t min_body_rate = 1024;  // bytes per second over each header timeout; 0: none
  // "Strict-Transport-Security: max-age=N\r\n" for HTTPS answers, or empty.
  std::string hsts;
  bool pin_threads = false;
  // Whether a peer on the plain listener is a trusted proxy (checked once
  // per connection).
  std::function<bool(const sockaddr*)> is_trusted_proxy;
  AccessLogMode access_log = AccessLogMode::kAll;
  uint32_t access_log_sample_every = 100;
  // Routes the handler tells requests apart by (Exchange::set_metric_slot),
  // each counted in the reactor's metrics; 0: every request is "no route".
  size_t metric_routes = 0;
};

// State all reactors share.
// (Per-request figures are the reactors' own: metrics().)
struct NetShared {
  std::atomic<int64_t> connections{0};  // for max_connections
};

class Connection;
class TlsContext;

class Reactor {
 public:
  enum class ListenerKind : uint8_t { kTls, kPlain };

  Reactor(int index, const NetOptions& opts, NetShared& shared, RequestHandler& handler,
          TlsContext* tls, AccessLogWriter* log_writer);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Adopts an already listening socket (see open_listen_socket).
  Status add_listener(int fd, ListenerKind kind);
  // Runs the loop on a new thread.
  void start();
  void join();

  // For in-process drivers (benchmarks, fuzzers) of a reactor that was
  // never start()ed: one loop iteration on the calling thread, which then
  // acts as the reactor's thread (posted work, finished worker jobs).
  // Blocks until there is something to run.
  void run_once();

  // Runs fn on this reactor's thread. Thread-safe. After the reactor has
  // stopped, fn is dropped (never run).
  void post(std::function<void()> fn);
  // Stop accepting, let in-flight requests finish, close idle connections;
  // at the deadline close whatever is left. Thread-safe.
  void begin_shutdown(uint64_t grace_ms);

  // Called on the reactor thread: once when it starts, before every poll
  // (a point where no callback is running: the QSBR quiescent point), and
  // once when it exits.
  void set_thread_hooks(std::function<void()> on_start, std::function<void()> before_poll,
                        std::function<void()> on_exit);
  // Called on the reactor thread once a second, with the wall clock.
  void add_tick(std::function<void(int64_t unix_now)> fn);
  // Called on the reactor thread when it closes its own handles (shutdown,
  // or destruction), for a service that keeps handles on this loop: it
  // closes them there, so the loop can end.
  void add_close_hook(std::function<void()> fn);

  uv_loop_t* loop() { return &loop_; }
  int index() const { return index_; }
  const http::DateCache& date() const { return date_; }
  static Reactor* current();

  // Internal to the net layer.
  Exchange* acquire_exchange();
  void release_exchange(Exchange* ex);
  const NetOptions& options() const { return opts_; }
  NetShared& shared() { return shared_; }
  RequestHandler& handler() { return handler_; }
  TlsContext* tls() const { return tls_; }  // null: no TLS listener
  AccessLogBuffer& access_log() { return access_log_; }
  // Written only on this reactor's thread; read by the metrics scrape.
  metrics::ReactorMetrics& metrics() { return metrics_; }
  char* tls_read_buffer() { return tls_read_buf_; }
  static constexpr size_t kTlsReadBufferSize = 64 * 1024;
  uint64_t next_request_number() { return ++request_counter_; }
  void connection_opened(Connection* c);
  void connection_closed(Connection* c);
  bool shutting_down() const { return shutting_down_; }
  void exchange_dispatched() { ++outstanding_exchanges_; }
  void exchange_completed();

 private:
  struct Listener {
    uv_tcp_t handle;
    Reactor* reactor;
    ListenerKind kind;
  };
  static void on_connection(uv_stream_t* server, int status);
  static void on_async(uv_async_t* h);
  static void on_tick(uv_timer_t* t);
  static void on_prepare(uv_prepare_t* h);
  void run();
  void do_shutdown(uint64_t grace_ms);
  void maybe_finish_shutdown();
  void close_all_handles();

  int index_;
  NetOptions opts_;
  NetShared& shared_;
  RequestHandler& handler_;
  TlsContext* tls_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t tick_timer_;
  uv_timer_t flush_timer_;
  uv_timer_t deadline_timer_;
  uv_prepare_t prepare_;
  std::vector<Listener*> listeners_;
  std::thread thread_;
  http::DateCache date_;
  AccessLogBuffer access_log_;
  metrics::ReactorMetrics metrics_;

  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  bool stopped_ = false;  // guarded by post_mu_

  std::function<void()> on_start_;
  std::function<void()> before_poll_;
  std::function<void()> on_exit_;
  std::vector<std::function<void(int64_t)>> ticks_;
  std::vector<std::function<void()>> close_hooks_;

  Exchange* free_exchanges_ = nullptr;
  size_t free_exchange_count_ = 0;
  uint64_t request_counter_ = 0;
  int64_t outstanding_exchanges_ = 0;
  Connection* connections_ = nullptr;  // intrusive list
  bool started_ = false;
  bool shutting_down_ = false;
  bool handles_closed_ = false;
  char tls_read_buf_[kTlsReadBufferSize];
};

}  // namespace claribi::net
