#include "net/connection.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "common/time_util.h"
#include "net/listener.h"

namespace claribi::net {

namespace {
constexpr uint64_t kLingerMs = 2000;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '=' || c == '/';
    if (!ok) return false;
  }
  return true;
}

void trim(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
}

uint32_t process_nonce() {
  static const uint32_t nonce = [] {
    uint32_t v = 0;
    RAND_bytes(reinterpret_cast<uint8_t*>(&v), sizeof v);
    return v;
  }();
  return nonce;
}

void put_hex(char* out, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 15];
    v >>= 4;
  }
}
}  // namespace

Connection::Connection(Reactor& reactor, Reactor::ListenerKind kind)
    : reactor_(reactor),
      kind_(kind),
      mode_(kind == Reactor::ListenerKind::kTls ? Mode::kDetect : Mode::kPlain),
      parser_(reactor.options().limits,
              [r = &reactor](const http::Request& head) { return r->handler().body_limit(head); }) {
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
    std::string text = address_text(reinterpret_cast<sockaddr*>(&peer));
    peer_len_ = uint8_t(std::min(text.size(), sizeof peer_));
    std::memcpy(peer_, text.data(), peer_len_);
    if (kind_ == Reactor::ListenerKind::kPlain && reactor_.options().is_trusted_proxy)
      peer_trusted_ = reactor_.options().is_trusted_proxy(reinterpret_cast<sockaddr*>(&peer));
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
  if (c->mode_ == Mode::kPlain && !c->close_after_flush_ && c->timer_mode_ != TimerMode::kLinger) {
    size_t avail = 0;
    char* p = c->parser_.write_ptr(&avail);
    *buf = uv_buf_init(p, unsigned(std::min<size_t>(avail, UINT_MAX)));
  } else {
    // Ciphertext, the first bytes on the TLS port, or bytes to discard.
    *buf = uv_buf_init(c->reactor_.tls_read_buffer(), unsigned(Reactor::kTlsReadBufferSize));
  }
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread == 0 || c->closing_) return;
  if (nread < 0) {
    c->peer_eof_ = true;
    c->stop_reading();
    if (nread != UV_EOF || c->timer_mode_ == TimerMode::kLinger || c->queue_.empty()) {
      c->close();
    } else {
      c->close_after_flush_ = true;  // answer what was asked, then close
    }
    return;
  }
  if (c->close_after_flush_ || c->timer_mode_ == TimerMode::kLinger) return;  // discard
  switch (c->mode_) {
    case Mode::kDetect:
      if (static_cast<unsigned char>(buf->base[0]) == 0x16) {
        c->mode_ = Mode::kTls;
        c->ssl_ = SSL_new(c->reactor_.tls());
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
      c->parser_.commit(size_t(nread));
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
      close_after_flush_ = true;
      flush();
      if (!write_in_flight_) close();
      return;
    }
  }
  pump_tls();
}

void Connection::pump_tls() {
  while (!closing_ && !close_after_flush_ && !backpressured_) {
    size_t avail = 0;
    char* p = parser_.write_ptr(&avail);
    int r = SSL_read(ssl_, p, int(std::min<size_t>(avail, INT_MAX)));
    if (r > 0) {
      parser_.commit(size_t(r));
      process_input();
      continue;
    }
    int err = SSL_get_error(ssl_, r);
    ERR_clear_error();
    if (err == SSL_ERROR_WANT_READ) break;
    if (err == SSL_ERROR_ZERO_RETURN) {  // close_notify
      peer_eof_ = true;
      if (queue_.empty()) {
        close();
        return;
      }
      close_after_flush_ = true;
      break;
    }
    close();
    return;
  }
  collect_ready();
  flush();
  arm_timer();
}

void Connection::process_input() {
  in_input_ = true;
  while (!closing_ && !close_after_flush_) {
    if (queue_.size() >= reactor_.options().max_pipelined) {
      backpressured_ = true;  // resumed when responses drain
      stop_reading();
      break;
    }
    http::Http1Parser::State st = parser_.next();
    if (st == http::Http1Parser::State::kRequest) {
      dispatch(parser_.mutable_request());
      continue;
    }
    if (st == http::Http1Parser::State::kNeedMore) {
      if (parser_.take_expect_continue() && queue_.empty()) plain_.append(kContinue);
      break;
    }
    respond_error_and_close(parser_.error(), parser_.error_detail());
    break;
  }
  in_input_ = false;
  if (closing_) return;
  collect_ready();
  flush();
  arm_timer();
}

// ---- requests --------------------------------------------------------------

void Connection::dispatch(http::Request& req) {
  Exchange* ex = reactor_.acquire_exchange();
  ex->conn_ = this;
  ex->reactor_ = &reactor_;

  // Transport facts.
  std::string_view client(peer_, peer_len_);
  req.secure = mode_ == Mode::kTls;
  if (kind_ == Reactor::ListenerKind::kPlain && peer_trusted_ &&
      http::iequals(req.header("x-forwarded-proto"), "https")) {
    req.secure = true;
    std::string_view xff = req.header("x-forwarded-for");
    size_t comma = xff.rfind(',');
    std::string_view last = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
    trim(last);
    if (!last.empty() && last.size() < sizeof ex->client_address_) client = last;
  }
  ex->client_address_len_ = uint8_t(std::min(client.size(), sizeof ex->client_address_));
  std::memcpy(ex->client_address_, client.data(), ex->client_address_len_);

  std::string_view rid = req.header("x-request-id");
  if (valid_request_id(rid)) {
    ex->request_id_len_ = uint8_t(rid.size());
    std::memcpy(ex->request_id_, rid.data(), rid.size());
  } else {
    put_hex(ex->request_id_, process_nonce(), 8);
    put_hex(ex->request_id_ + 8, uint64_t(reactor_.index()), 2);
    put_hex(ex->request_id_ + 10, reactor_.next_request_number(), 10);
    ex->request_id_len_ = 20;
  }
  req.request_id = ex->request_id();
  req.client_address = ex->client_address();

  ex->head_only_ = req.method == http::Method::kHead;
  ex->keep_alive_ = req.keep_alive && !draining_ && !reactor_.shutting_down();
  ex->keep_alive_header_ = ex->keep_alive_ && req.http_major == 1 && req.http_minor == 0;
  if (reactor_.access_log().should_log()) {
    ex->start_ns_ = monotonic_ns();
    ex->method_len_ = uint8_t(std::min(req.method_text.size(), sizeof ex->method_));
    std::memcpy(ex->method_, req.method_text.data(), ex->method_len_);
    ex->path_len_ = uint8_t(std::min(req.path.size(), sizeof ex->path_));
    std::memcpy(ex->path_, req.path.data(), ex->path_len_);
  }
  if (!ex->keep_alive_) {
    close_after_flush_ = true;  // no more requests on this connection
  }

  queue_.push_back(ex);
  ++outstanding_;
  reactor_.exchange_dispatched();
  reactor_.shared().requests.fetch_add(1, std::memory_order_relaxed);
  ex->request_ = &req;
  if (!req.secure) {
    http::render_error(ex->response_, http::ErrorCode::kHttpsRequired,
                       "Requests must use HTTPS; plain HTTP is accepted only from a trusted proxy "
                       "that sends X-Forwarded-Proto: https.");
    ex->finish();
  } else {
    reactor_.handler().handle(*ex);
  }
  ex->request_ = nullptr;
}

void Connection::respond_error_and_close(http::ErrorCode code, std::string_view detail) {
  Exchange* ex = reactor_.acquire_exchange();
  ex->conn_ = this;
  ex->reactor_ = &reactor_;
  put_hex(ex->request_id_, process_nonce(), 8);
  put_hex(ex->request_id_ + 8, uint64_t(reactor_.index()), 2);
  put_hex(ex->request_id_ + 10, reactor_.next_request_number(), 10);
  ex->request_id_len_ = 20;
  ex->keep_alive_ = false;
  http::render_error(ex->response_, code, detail);
  ex->response_.close_connection = true;
  close_after_flush_ = true;
  queue_.push_back(ex);
  ++outstanding_;
  reactor_.exchange_dispatched();
  bool was_in_input = in_input_;
  in_input_ = true;  // gather: written below
  ex->finish();
  in_input_ = was_in_input;
  if (!in_input_) {
    collect_ready();
    flush();
    arm_timer();
  }
}

void Exchange::finish() {
  done_ = true;
  if (conn_ != nullptr) conn_->exchange_finished(this);
}

void Connection::exchange_finished(Exchange* ex) {
  --outstanding_;
  reactor_.exchange_completed();
  if (closing_) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == ex) {
        queue_.erase(it);
        break;
      }
    }
    reactor_.release_exchange(ex);
    maybe_destroy();
    return;
  }
  if (in_input_) return;  // gathered and written at the end of the input batch
  collect_ready();
  flush();
  if (backpressured_ && queue_.size() < reactor_.options().max_pipelined && !close_after_flush_) {
    backpressured_ = false;
    start_reading();
    if (mode_ == Mode::kTls) {
      pump_tls();
    } else {
      process_input();
    }
    return;
  }
  arm_timer();
}

// ---- writing ---------------------------------------------------------------

void Connection::collect_ready() {
  while (!queue_.empty() && queue_.front()->done_) {
    Exchange* ex = queue_.front();
    queue_.pop_front();
    http::ResponseMeta meta;
    meta.date = reactor_.date().get();
    meta.request_id = ex->request_id();
    meta.cors = ex->cors_;
    meta.keep_alive = ex->keep_alive_;
    meta.keep_alive_header = ex->keep_alive_header_;
    meta.head_only = ex->head_only_;
    std::string& dst = mode_ == Mode::kTls ? plain_ : out_;
    size_t before = dst.size();
    http::serialize_response(ex->response_, meta, dst);
    if (ex->path_len_ > 0) {
      reactor_.access_log().append(std::string_view(ex->method_, ex->method_len_),
                                   std::string_view(ex->path_, ex->path_len_), ex->response_.status,
                                   dst.size() - before, (monotonic_ns() - ex->start_ns_) / 1000,
                                   ex->request_id(), ex->client_address());
    }
    if (ex->response_.close_connection || !ex->keep_alive_) close_after_flush_ = true;
    reactor_.release_exchange(ex);
  }
}

void Connection::encrypt_pending() {
  if (mode_ == Mode::kTls && ssl_ != nullptr && !plain_.empty() && SSL_is_init_finished(ssl_)) {
    size_t off = 0;
    while (off < plain_.size()) {
      int r = SSL_write(ssl_, plain_.data() + off, int(std::min<size_t>(plain_.size() - off, INT_MAX)));
      if (r <= 0) {
        ERR_clear_error();
        break;
      }
      off += size_t(r);
    }
    plain_.clear();
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
  if (mode_ == Mode::kTls) {
    encrypt_pending();
  } else if (!plain_.empty()) {  // 100 Continue on a plain connection
    out_.append(plain_);
    plain_.clear();
  }
  if (write_in_flight_) return;
  if (!out_.empty()) {
    writing_.swap(out_);
    out_.clear();
    uv_buf_t b = uv_buf_init(writing_.data(), unsigned(writing_.size()));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1);
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
  if (close_after_flush_ && queue_.empty()) {
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
  return queue_.empty() && !parser_.message_in_progress() && !write_in_flight_ && out_.empty();
}

void Connection::arm_timer() {
  if (closing_ || timer_mode_ == TimerMode::kLinger) return;
  const NetOptions& o = reactor_.options();
  bool handshaking = mode_ == Mode::kTls && !SSL_is_init_finished(ssl_);
  if (parser_.head_in_progress() || handshaking) {
    if (timer_mode_ != TimerMode::kHead) {  // the deadline runs from the first byte
      timer_mode_ = TimerMode::kHead;
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
      if (c->queue_.empty() && (c->mode_ != Mode::kTls || SSL_is_init_finished(c->ssl_))) {
        c->respond_error_and_close(http::ErrorCode::kRequestTimeout,
                                   "The request head did not arrive in time.");
      } else {
        c->close();
      }
      break;
    case TimerMode::kIdle: {
      uint64_t idle_ms = c->reactor_.options().idle_timeout_ms;
      uint64_t since = uv_now(t->loop) - c->last_active_ms_;
      if (!c->queue_.empty()) {  // a handler is still working: wait for it
        uv_timer_start(&c->timer_, on_timer, idle_ms, 0);
      } else if (since < idle_ms) {  // active since the timer was armed
        uv_timer_start(&c->timer_, on_timer, idle_ms - since, 0);
      } else {
        c->close();
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
  if (idle()) close();
}

void Connection::force_close() { close(); }

void Connection::close() {
  if (closing_) return;
  closing_ = true;
  stop_reading();
  uv_timer_stop(&timer_);
  reactor_.connection_closed(this);
  // Answered exchanges go back to the pool; unanswered ones are still held
  // by a handler and come back through exchange_finished.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if ((*it)->done_) {
      reactor_.release_exchange(*it);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_close);
}

void Connection::on_close(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  --c->open_handles_;
  c->maybe_destroy();
}

void Connection::maybe_destroy() {
  if (!closing_ || open_handles_ > 0 || outstanding_ > 0) return;
  if (ssl_ != nullptr) SSL_free(ssl_);
  ssl_ = nullptr;
  delete this;
}

}  // namespace claribi::net
