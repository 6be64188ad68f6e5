// Connection: one client socket on a reactor. Reads into the HTTP parser's
// buffer (through BoringSSL memory BIOs on the TLS port), hands complete
// requests to the handler in order, and writes the responses back in request
// order, gathering every response that is ready into one write. Owns the
// §1 transport rules: https_required on the plain listener (unless a trusted
// proxy says X-Forwarded-Proto: https) and for plain HTTP sent to the TLS
// port, the head timeout (408), the idle timeout, and the limits (431/413).
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <uv.h>

#include <deque>
#include <string>

#include "http/error.h"
#include "http/http1_parser.h"
#include "net/exchange.h"
#include "net/reactor.h"

namespace claribi::net {

class Connection {
 public:
  Connection(Reactor& reactor, Reactor::ListenerKind kind);
  // Called right after uv_accept succeeded into tcp().
  void start();
  uv_tcp_t* tcp() { return &tcp_; }
  // Graceful shutdown: close when idle, or after the in-flight requests.
  void drain();
  // Close now (shutdown deadline).
  void force_close();
  void exchange_finished(Exchange* ex);

  // Intrusive list of the reactor's connections.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class Mode : uint8_t { kDetect, kTls, kPlain, kPlainOnTlsPort };
  enum class TimerMode : uint8_t { kNone, kIdle, kHead, kLinger };

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_timer(uv_timer_t* t);
  static void on_shutdown(uv_shutdown_t* req, int status);
  static void on_close(uv_handle_t* h);

  void handle_plain_bytes(size_t n);
  void handle_tls_bytes(const char* data, size_t n);
  void pump_tls();
  void process_input();
  void dispatch(http::Request& req);
  void respond_error_and_close(http::ErrorCode code, std::string_view detail);
  void collect_ready();
  void flush();
  void encrypt_pending();
  void arm_timer();
  void begin_close();
  void close();
  void maybe_destroy();
  bool idle() const;
  void stop_reading();
  void start_reading();

  Reactor& reactor_;
  Reactor::ListenerKind kind_;
  Mode mode_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_write_t write_req_;
  uv_shutdown_t shutdown_req_;
  TimerMode timer_mode_ = TimerMode::kNone;
  // Loop time (ms) of the last activity. The idle timer is not re-armed per
  // request (a timer-heap update each time): when it fires early it re-arms
  // itself for what is left of the idle period since this time.
  uint64_t last_active_ms_ = 0;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  http::Http1Parser parser_;
  std::deque<Exchange*> queue_;  // in request order
  std::string plain_;    // serialized responses (TLS: before encryption)
  std::string out_;      // bytes to send
  std::string writing_;  // bytes in flight
  int open_handles_ = 0;
  int outstanding_ = 0;  // exchanges dispatched and not finished
  bool write_in_flight_ = false;
  bool in_input_ = false;       // inside process_input: writes gathered at the end
  bool close_after_flush_ = false;
  bool closing_ = false;
  bool draining_ = false;
  bool reading_ = false;
  bool backpressured_ = false;
  bool peer_trusted_ = false;
  bool peer_eof_ = false;
  char peer_[64] = {};
  uint8_t peer_len_ = 0;
};

}  // namespace claribi::net
