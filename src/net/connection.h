// Connection: one client socket on a reactor, carrying an HttpSession. Reads
// into the session's parser buffer (through BoringSSL memory BIOs on the TLS
// port) and writes what the session serialized, gathering every response
// that is ready into one write. Owns the transport rules of §1: plain HTTP
// sent to the TLS port, the head timeout (408), the idle timeout, lingering
// close, graceful drain; the session owns the HTTP ones (https_required
// unless a trusted proxy says X-Forwarded-Proto: https, the limits 431/413,
// pipelining, keep-alive).
#pragma once

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <uv.h>

#include <string>

#include "net/http_session.h"
#include "net/reactor.h"

namespace claribi::net {

class Connection final : public SessionOwner {
 public:
  Connection(Reactor& reactor, Reactor::ListenerKind kind);
  // Called right after uv_accept succeeded into tcp().
  void start();
  uv_tcp_t* tcp() { return &tcp_; }
  // Graceful shutdown: close when idle, or after the in-flight requests.
  void drain();
  // Close now (shutdown deadline).
  void force_close();
  void exchange_completed() override;
  void input_resumed() override;

  // Intrusive list of the reactor's connections.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  enum class Mode : uint8_t { kDetect, kTls, kPlain, kPlainOnTlsPort };
  // kHead: the TLS handshake and a request head (also the first, from the
  // moment the connection opens) within http.header_timeout; kBody: a body
  // in progress must move at http.min_body_rate, checked every header_timeout.
  enum class TimerMode : uint8_t { kNone, kIdle, kHead, kBody, kLinger };

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
  void resume_input();
  void respond_error_and_close(http::ErrorCode code, std::string_view detail);
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
  uint64_t bytes_in_ = 0;    // every byte read from the socket
  uint64_t body_mark_ = 0;   // bytes_in_ when the current body window began
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  HttpSession session_;
  std::string out_;      // bytes to send (TLS: encrypted)
  std::string writing_;  // bytes in flight
  int open_handles_ = 0;
  bool write_in_flight_ = false;
  bool closing_ = false;
  bool draining_ = false;
  bool reading_ = false;
  bool peer_eof_ = false;
};

}  // namespace claribi::net
