#include "net/connection.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <climits>
#include <cstring>

#include "common/time_util.h"
#include "net/listener.h"
#include "net/tls_context.h"

namespace claribi::net {

namespace {
constexpr uint64_t kLingerMs = 2000;
// A body sent in parts is produced only while less than this waits to be
// written: memory per connection stays bounded however large the body.
constexpr size_t kBodyHighWater = 256 * 1024;
}  // namespace

Connection::Connection(Reactor& reactor, Reactor::ListenerKind kind)
    : reactor_(reactor),
      kind_(kind),
      mode_(kind == Reactor::ListenerKind::kTls ? Mode::kDetect : Mode::kPlain),
      session_(reactor, *this) {
  uv_tcp_init(reactor_.loop(), &tcp_);
  uv_timer_init(reactor_.loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  open_handles_ = 2;
}

void Connection::start() {
  sockaddr_storage peer;
  int len = sizeof peer;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    bool trusted = kind_ == Reactor::ListenerKind::kPlain && reactor_.options().is_trusted_proxy &&
                   reactor_.options().is_trusted_proxy(reinterpret_cast<sockaddr*>(&peer));
    session_.set_peer(address_text(reinterpret_cast<sockaddr*>(&peer)), trusted);
  }
  uv_tcp_nodelay(&tcp_, 1);
  reactor_.connection_opened(this);
  start_reading();
  arm_timer();
}

// ---- reading -------------------------------------------------------------

void Connection::start_reading() {
  if (reading_ || closing_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), on_alloc, on_read) == 0) reading_ = true;
}

void Connection::stop_reading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  if (c->mode_ == Mode::kPlain && !c->session_.closing_after_output() && c->timer_mode_ != TimerMode::kLinger) {
    size_t avail = 0;
    char* p = c->session_.write_ptr(&avail);
    *buf = uv_buf_init(p, unsigned(std::min<size_t>(avail, UINT_MAX)));
  } else {
    // Ciphertext, the first bytes on the TLS port, or bytes to discard.
    *buf = uv_buf_init(c->reactor_.tls_read_buffer(), unsigned(Reactor::kTlsReadBufferSize));
  }
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread == 0 || c->closing_) return;
  if (nread > 0) c->bytes_in_ += uint64_t(nread);
  if (nread < 0) {
    c->peer_eof_ = true;
    c->stop_reading();
    if (nread != UV_EOF || c->timer_mode_ == TimerMode::kLinger || !c->session_.has_unanswered()) {
      c->close();
    } else {
      c->session_.close_after_output();  // answer what was asked, then close
      c->session_.peer_gone();
    }
    return;
  }
  if (c->session_.closing_after_output() || c->timer_mode_ == TimerMode::kLinger) return;  // discard
  switch (c->mode_) {
    case Mode::kDetect:
      if (static_cast<unsigned char>(buf->base[0]) == 0x16) {
        c->mode_ = Mode::kTls;
        c->session_.set_secure(true);
        c->ssl_ = c->reactor_.tls()->new_ssl();
        c->rbio_ = BIO_new(BIO_s_mem());
        c->wbio_ = BIO_new(BIO_s_mem());
        SSL_set_bio(c->ssl_, c->rbio_, c->wbio_);
        SSL_set_accept_state(c->ssl_);
        c->handle_tls_bytes(buf->base, size_t(nread));
      } else {
        // Plain HTTP sent to the TLS port: answer in plain HTTP, then close.
        c->mode_ = Mode::kPlainOnTlsPort;
        c->respond_error_and_close(http::ErrorCode::kHttpsRequired,
                                   "Plain HTTP was sent to the HTTPS port; use https://.");
      }
      break;
    case Mode::kTls:
      c->handle_tls_bytes(buf->base, size_t(nread));
      break;
    case Mode::kPlain:
      c->session_.commit(size_t(nread));
      c->process_input();
      break;
    case Mode::kPlainOnTlsPort:
      break;
  }
}

void Connection::handle_tls_bytes(const char* data, size_t n) {
  BIO_write(rbio_, data, int(n));
  if (!SSL_is_init_finished(ssl_)) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int err = SSL_get_error(ssl_, r);
      ERR_clear_error();
      if (err == SSL_ERROR_WANT_READ) {
        flush();
        arm_timer();
        return;
      }
      // Handshake failure: send the alert, if any, then close.
      reactor_.metrics().tls_handshake_failures.add();
      session_.close_after_output();
      flush();
      if (!write_in_flight_) close();
      return;
    }
    reactor_.metrics().tls_handshakes.add();
  }
  pump_tls();
}

void Connection::pump_tls() {
  while (!closing_ && !session_.closing_after_output() && !session_.backpressured()) {
    size_t avail = 0;
    char* p = session_.write_ptr(&avail);
    int r = SSL_read(ssl_, p, int(std::min<size_t>(avail, INT_MAX)));
    if (r > 0) {
      session_.commit(size_t(r));
      session_.process_input();
      if (closing_) return;
      continue;
    }
    int err = SSL_get_error(ssl_, r);
    ERR_clear_error();
    if (err == SSL_ERROR_WANT_READ) break;
    if (err == SSL_ERROR_ZERO_RETURN) {  // close_notify
      peer_eof_ = true;
      if (!session_.has_unanswered()) {
        close();
        return;
      }
      session_.close_after_output();
      session_.peer_gone();
      break;
    }
    close();
    return;
  }
  if (session_.backpressured()) stop_reading();  // resumed when responses drain
  flush();
  arm_timer();
}

void Connection::process_input() {
  session_.process_input();
  if (closing_) return;
  if (session_.backpressured()) stop_reading();  // resumed when responses drain
  flush();
  arm_timer();
}

void Connection::respond_error_and_close(http::ErrorCode code, std::string_view detail) {
  session_.respond_error_and_close(code, detail);
  flush();
  arm_timer();
}

void Connection::exchange_completed() {
  if (closing_) {
    maybe_destroy();
    return;
  }
  flush();
  if (session_.resume_if_below_limit()) resume_input();
  else arm_timer();
}

void Connection::input_resumed() {
  if (closing_ || session_.backpressured()) return;
  resume_input();
}

void Connection::resume_input() {
  start_reading();
  // Requests (or body bytes) already in the parser's buffer first: the
  // socket may have nothing more to say, and then nothing else would
  // process them.
  process_input();
  if (mode_ == Mode::kTls && !closing_) pump_tls();
}

// ---- writing ---------------------------------------------------------------

void Connection::encrypt_pending() {
  std::string& plain = session_.output();
  if (ssl_ != nullptr && !plain.empty() && SSL_is_init_finished(ssl_)) {
    size_t off = 0;
    while (off < plain.size()) {
      int r = SSL_write(ssl_, plain.data() + off, int(std::min<size_t>(plain.size() - off, INT_MAX)));
      if (r <= 0) {
        ERR_clear_error();
        break;
      }
      off += size_t(r);
    }
    plain.clear();
  }
  if (wbio_ != nullptr) {
    const uint8_t* data = nullptr;
    size_t len = 0;
    BIO_mem_contents(wbio_, &data, &len);
    if (len > 0) {
      out_.append(reinterpret_cast<const char*>(data), len);
      BIO_reset(wbio_);
    }
  }
}

void Connection::flush() {
  if (closing_) return;
  if (session_.sending_body()) {
    size_t waiting = out_.size() + writing_.size() + session_.output().size();
    if (waiting < kBodyHighWater) session_.produce_body(kBodyHighWater - waiting);
  }
  if (mode_ == Mode::kTls) {
    encrypt_pending();
  } else if (std::string& ready = session_.output(); !ready.empty()) {
    if (out_.empty()) {
      out_.swap(ready);  // the usual case: no copy
    } else {
      out_.append(ready);
      ready.clear();
    }
  }
  if (write_in_flight_) return;
  if (!out_.empty()) {
    writing_.swap(out_);
    out_.clear();
    uv_buf_t b = uv_buf_init(writing_.data(), unsigned(writing_.size()));
    // While a body goes out in parts, every write completes through the
    // loop (on_write produces the next part): one part per turn, so one
    // large body never holds the reactor.
    int n = session_.sending_body() ? 0 : uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1);
    if (n == int(writing_.size())) {
      writing_.clear();
    } else {
      if (n > 0) writing_.erase(0, size_t(n));
      if (n < 0 && n != UV_EAGAIN) {
        close();
        return;
      }
      b = uv_buf_init(writing_.data(), unsigned(writing_.size()));
      write_req_.data = this;
      if (uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, on_write) != 0) {
        close();
        return;
      }
      write_in_flight_ = true;
      return;
    }
  }
  // Everything is written.
  if (session_.closing_after_output() && !session_.has_unanswered()) {
    begin_close();
  } else if (draining_ && idle()) {
    close();
  }
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->write_in_flight_ = false;
  c->writing_.clear();
  if (status < 0) {
    c->close();
    return;
  }
  c->flush();
}

// ---- timers and closing ----------------------------------------------------

bool Connection::idle() const {
  return !session_.has_unanswered() && !session_.message_in_progress() && !write_in_flight_ && out_.empty();
}

void Connection::arm_timer() {
  if (closing_ || timer_mode_ == TimerMode::kLinger) return;
  const NetOptions& o = reactor_.options();
  bool handshaking = (mode_ == Mode::kTls && !SSL_is_init_finished(ssl_)) || mode_ == Mode::kDetect;
  // Nothing sent yet on this connection (no bytes of a first request).
  bool first_head = session_.requests() == 0 && !session_.message_in_progress() && !session_.has_unanswered();
  if (session_.head_in_progress() || handshaking || first_head) {
    if (timer_mode_ != TimerMode::kHead) {  // the deadline runs from the first byte (or the accept)
      timer_mode_ = TimerMode::kHead;
      uv_timer_start(&timer_, on_timer, o.header_timeout_ms, 0);
    }
    return;
  }
  if (session_.message_in_progress() && o.min_body_rate > 0) {  // a body on its way
    if (timer_mode_ != TimerMode::kBody) {
      timer_mode_ = TimerMode::kBody;
      body_mark_ = bytes_in_;
      uv_timer_start(&timer_, on_timer, o.header_timeout_ms, 0);
    }
    return;
  }
  last_active_ms_ = uv_now(reactor_.loop());
  if (timer_mode_ == TimerMode::kIdle) return;  // already armed; on_timer checks last_active_ms_
  timer_mode_ = TimerMode::kIdle;
  uv_timer_start(&timer_, on_timer, o.idle_timeout_ms, 0);
}

void Connection::on_timer(uv_timer_t* t) {
  auto* c = static_cast<Connection*>(t->data);
  if (c->closing_) return;
  switch (c->timer_mode_) {
    case TimerMode::kHead:
      c->timer_mode_ = TimerMode::kNone;
      // A TLS port that saw no byte, or a handshake not done: just close.
      if (!c->session_.has_unanswered() && c->mode_ != Mode::kDetect &&
          (c->mode_ != Mode::kTls || SSL_is_init_finished(c->ssl_))) {
        c->respond_error_and_close(http::ErrorCode::kRequestTimeout,
                                   "The request head did not arrive in time.");
      } else {
        c->close();
      }
      break;
    case TimerMode::kIdle: {
      uint64_t idle_ms = c->reactor_.options().idle_timeout_ms;
      uint64_t since = uv_now(t->loop) - c->last_active_ms_;
      if (c->session_.has_unanswered()) {  // a handler is still working: wait for it
        uv_timer_start(&c->timer_, on_timer, idle_ms, 0);
      } else if (since < idle_ms) {  // active since the timer was armed
        uv_timer_start(&c->timer_, on_timer, idle_ms - since, 0);
      } else {
        c->close();
      }
      break;
    }
    case TimerMode::kBody: {
      const NetOptions& o = c->reactor_.options();
      const uint64_t window_ms = o.header_timeout_ms;
      const uint64_t need = o.min_body_rate * window_ms / 1000;
      const bool ours = c->session_.backpressured();  // we stopped reading: not the client's fault
      if (!c->session_.message_in_progress()) {  // the body is in: back to the usual timers
        c->timer_mode_ = TimerMode::kNone;
        c->arm_timer();
      } else if (ours || c->bytes_in_ - c->body_mark_ >= need) {
        c->body_mark_ = c->bytes_in_;  // a new window
        uv_timer_start(&c->timer_, on_timer, window_ms, 0);
      } else {
        c->timer_mode_ = TimerMode::kNone;
        c->session_.body_timed_out();
        c->flush();
      }
      break;
    }
    case TimerMode::kLinger:
    case TimerMode::kNone:
      c->close();
      break;
  }
}

void Connection::begin_close() {
  if (closing_ || timer_mode_ == TimerMode::kLinger) return;
  if (peer_eof_) {
    close();
    return;
  }
  // Lingering close: stop sending, keep reading (and discarding) for a
  // moment so the client gets our answer instead of a reset.
  timer_mode_ = TimerMode::kLinger;
  uv_timer_start(&timer_, on_timer, kLingerMs, 0);
  shutdown_req_.data = this;
  if (uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp_), on_shutdown) != 0) {
    close();
    return;
  }
  start_reading();
}

void Connection::on_shutdown(uv_shutdown_t*, int) {}

void Connection::drain() {
  draining_ = true;
  session_.drain();
  if (idle()) close();
}

void Connection::force_close() { close(); }

void Connection::close() {
  if (closing_) return;
  closing_ = true;
  stop_reading();
  uv_timer_stop(&timer_);
  reactor_.connection_closed(this);
  session_.close();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_close);
}

void Connection::on_close(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  --c->open_handles_;
  c->maybe_destroy();
}

void Connection::maybe_destroy() {
  if (!closing_ || open_handles_ > 0 || session_.outstanding() > 0) return;
  if (ssl_ != nullptr) SSL_free(ssl_);
  ssl_ = nullptr;
  delete this;
}

}  // namespace claribi::net
