#include "net/http_session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/time_util.h"
#include "net/reactor.h"

namespace claribi::net {

namespace {
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

HttpSession::HttpSession(Reactor& reactor, SessionOwner& owner)
    : reactor_(reactor),
      owner_(owner),
      parser_(reactor.options().limits,
              [r = &reactor](const http::Request& head) { return r->handler().body_policy(head); }) {}

HttpSession::~HttpSession() {
  // The owner waits for outstanding() to reach zero before it goes; what is
  // left in the queue is answered and can go back to the pool.
  queue_.remove_if([this](Exchange* ex) {
    reactor_.release_exchange(ex);
    return true;
  });
}

void HttpSession::set_peer(std::string_view address, bool trusted_proxy) {
  peer_len_ = uint8_t(std::min(address.size(), sizeof peer_));
  std::memcpy(peer_, address.data(), peer_len_);
  peer_trusted_ = trusted_proxy;
}

void HttpSession::assign_request_id(Exchange* ex, std::string_view from_client) {
  if (valid_request_id(from_client)) {
    ex->request_id_len_ = uint8_t(from_client.size());
    std::memcpy(ex->request_id_, from_client.data(), from_client.size());
    return;
  }
  put_hex(ex->request_id_, process_nonce(), 8);
  put_hex(ex->request_id_ + 8, uint64_t(reactor_.index()), 2);
  put_hex(ex->request_id_ + 10, reactor_.next_request_number(), 10);
  ex->request_id_len_ = 20;
}

void HttpSession::process_input() {
  const size_t limit = reactor_.options().max_pipelined;
  for (;;) {
    in_input_ = true;
    bool full = false;
    while (!closed_ && !close_after_output_ && holder_ == nullptr) {
      if (queue_.size() >= limit) {
        full = true;
        break;
      }
      http::Http1Parser::State st = parser_.next();
      if (st == http::Http1Parser::State::kRequest) {
        dispatch(parser_.mutable_request());
        continue;
      }
      if (st == http::Http1Parser::State::kStreamHead) {
        dispatch_stream_head(parser_.mutable_request());
        continue;
      }
      if (st == http::Http1Parser::State::kNeedMore) {
        if (parser_.take_expect_continue() && queue_.empty()) output_.append(kContinue);
        break;
      }
      if (streaming_ != nullptr) {
        // The streamed body went bad (malformed chunking, over the limit):
        // its exchange answers with the error.
        abort_stream(parser_.error(), parser_.error_detail());
        close_after_output_ = true;
        break;
      }
      respond_error_and_close(parser_.error(), parser_.error_detail());
      break;
    }
    in_input_ = false;
    if (closed_) return;
    collect_ready();
    if (!full) return;
    // The queue was full. Requests answered at once have left it now; while
    // there is room, go on with what is already buffered — nothing else
    // would process it (no asynchronous answer is coming to resume us).
    if (queue_.size() >= limit || close_after_output_) {
      backpressured_ = true;  // the transport stops reading until responses drain
      return;
    }
  }
}

bool HttpSession::resume_if_below_limit() {
  if (hold_released_) {
    hold_released_ = false;
    if (!backpressured() && !close_after_output_) return true;
  }
  if (!backpressured_ || close_after_output_ || queue_.size() >= reactor_.options().max_pipelined) return false;
  backpressured_ = false;
  return true;
}

void HttpSession::dispatch(http::Request& req) {
  Exchange* ex = reactor_.acquire_exchange();
  ex->session_ = this;
  ex->reactor_ = &reactor_;

  // Transport facts.
  std::string_view client(peer_, peer_len_);
  req.secure = secure_;
  if (!secure_ && peer_trusted_ && http::iequals(req.header("x-forwarded-proto"), "https")) {
    req.secure = true;
    std::string_view xff = req.header("x-forwarded-for");
    size_t comma = xff.rfind(',');
    std::string_view last = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
    trim(last);
    if (!last.empty() && last.size() < sizeof ex->client_address_) client = last;
  }
  ex->client_address_len_ = uint8_t(std::min(client.size(), sizeof ex->client_address_));
  std::memcpy(ex->client_address_, client.data(), ex->client_address_len_);
  assign_request_id(ex, req.header("x-request-id"));
  req.request_id = ex->request_id();
  req.client_address = ex->client_address();

  ex->head_only_ = req.method == http::Method::kHead;
  ex->keep_alive_ = req.keep_alive && !draining_ && !reactor_.shutting_down();
  ex->http10_ = req.http_major == 1 && req.http_minor == 0;
  ex->secure_ = req.secure;
  ex->start_ns_ = monotonic_ns();
  ex->metric_slot_ = uint16_t(reactor_.metrics().no_route());
  if (reactor_.access_log().should_log()) {
    ex->method_len_ = uint8_t(std::min(req.method_text.size(), sizeof ex->method_));
    std::memcpy(ex->method_, req.method_text.data(), ex->method_len_);
    ex->path_len_ = uint8_t(std::min(req.path.size(), sizeof ex->path_));
    std::memcpy(ex->path_, req.path.data(), ex->path_len_);
  }
  if (!ex->keep_alive_) close_after_output_ = true;  // no more requests on this connection

  queue_.push_back(ex);
  ++outstanding_;
  ++requests_;
  reactor_.exchange_dispatched();
  ex->request_ = &req;
  if (!req.secure) {
    http::render_error(ex->response_, http::ErrorCode::kHttpsRequired,
                       "Requests must use HTTPS; plain HTTP is accepted only from a trusted proxy "
                       "that sends X-Forwarded-Proto: https.");
    ex->finish();
  } else {
    reactor_.handler().handle(*ex);
  }
  if (holder_ != ex) ex->request_ = nullptr;  // a holder's request stays valid until it lets go
}

void HttpSession::dispatch_stream_head(http::Request& req) {
  bool closing_before = close_after_output_;
  dispatch(req);
  Exchange* mine = queue_.back();  // dispatch queued it (done or not)
  if (mine != nullptr && !mine->done_ && (mine->consumer_ != nullptr || holder_ == mine) && !closed_) {
    // A last request (Connection: close) still needs its body read: close
    // once the body is in, not now.
    if (close_after_output_ && !closing_before) {
      close_after_output_ = false;
      close_after_stream_ = true;
    }
    streaming_ = mine;
    parser_.stream_body(this);
    // 100 Continue only when it is the next answer the client will read —
    // and, for a handler still deciding (holding the input), only once it
    // took the body: a refusal is the client's only answer, its body unsent.
    if (parser_.take_expect_continue() && queue_.front() == mine) {
      if (mine->consumer_ != nullptr) {
        output_.append(kContinue);
      } else {
        continue_owed_ = true;
      }
    }
    return;
  }
  // Answered without its body (an error, or not authorised): the body is
  // never read and the connection closes after the answer.
  if (mine != nullptr) mine->consumer_ = nullptr;
  parser_.stream_body(nullptr);
  close_after_output_ = true;
}

void HttpSession::on_body_bytes(std::string_view bytes) {
  if (streaming_ == nullptr || streaming_->consumer_ == nullptr) return;
  if (!streaming_->consumer_->on_body(bytes)) body_paused_ = true;
}

void HttpSession::on_body_end() {
  Exchange* ex = streaming_;
  streaming_ = nullptr;
  if (close_after_stream_) close_after_output_ = true;
  if (ex == nullptr) return;
  BodyConsumer* c = ex->consumer_;
  ex->consumer_ = nullptr;
  if (c != nullptr) c->on_body_end();
}

void HttpSession::abort_stream(http::ErrorCode code, std::string_view detail) {
  Exchange* ex = streaming_;
  streaming_ = nullptr;
  body_paused_ = false;
  if (ex == nullptr) return;
  BodyConsumer* c = ex->consumer_;
  ex->consumer_ = nullptr;
  if (c != nullptr) c->on_body_abort(code, detail);  // none yet: its holder learns it from its watcher
}

void Exchange::resume_body() {
  if (session_ != nullptr) session_->resume_body();
}

void Exchange::hold_input() {
  if (session_ != nullptr) session_->hold_input(this);
}

void Exchange::release_input() {
  if (session_ != nullptr) session_->release_input(this);
}

void HttpSession::hold_input(Exchange* ex) { holder_ = ex; }

void HttpSession::release_input(Exchange* ex) {
  if (holder_ != ex) return;
  holder_ = nullptr;
  ex->request_ = nullptr;
  if (continue_owed_) {
    continue_owed_ = false;
    if (streaming_ == ex && ex->consumer_ != nullptr && !queue_.empty() && queue_.front() == ex) {
      output_.append(kContinue);  // sent by the flush after the input is processed
    }
  }
  if (!closed_) owner_.input_resumed();  // what is buffered already is parsed now
}

void HttpSession::resume_body() {
  if (!body_paused_ || closed_) return;
  body_paused_ = false;
  owner_.input_resumed();
}

void HttpSession::body_timed_out() {
  constexpr std::string_view kSlow = "The request body arrived too slowly (http.min_body_rate).";
  if (streaming_ != nullptr) {
    abort_stream(http::ErrorCode::kRequestTimeout, kSlow);  // its handler answers 408
    close_after_output_ = true;
    return;
  }
  respond_error_and_close(http::ErrorCode::kRequestTimeout, kSlow);
}

void HttpSession::respond_error_and_close(http::ErrorCode code, std::string_view detail) {
  Exchange* ex = reactor_.acquire_exchange();
  ex->session_ = this;
  ex->reactor_ = &reactor_;
  assign_request_id(ex, {});
  ex->keep_alive_ = false;
  ex->secure_ = secure_;
  http::render_error(ex->response_, code, detail);
  ex->response_.close_connection = true;
  close_after_output_ = true;
  queue_.push_back(ex);
  ++outstanding_;
  reactor_.exchange_dispatched();
  bool was_in_input = in_input_;
  in_input_ = true;  // gathered below, not announced to the owner
  ex->finish();
  in_input_ = was_in_input;
  if (!in_input_) collect_ready();
}

void Exchange::finish() {
  if (finish_flag_ != nullptr) {
    *finish_flag_ = true;
    finish_flag_ = nullptr;
  }
  done_ = true;
  if (session_ != nullptr) session_->exchange_finished(this);
}

void Exchange::leave_out_of_sampled_log() {
  if (reactor_ != nullptr && reactor_->access_log().mode() == AccessLogMode::kSampled) path_len_ = 0;
}

void HttpSession::exchange_finished(Exchange* ex) {
  --outstanding_;
  if (holder_ == ex) {
    holder_ = nullptr;
    ex->request_ = nullptr;
    continue_owed_ = false;  // answered: the body is not wanted
    hold_released_ = true;  // owner_.exchange_completed() below resumes the input
  }
  if (ex == streaming_) {
    // Answered before its body was all in (a refused upload): the rest of
    // the body is not read; the connection closes after the answer.
    streaming_ = nullptr;
    ex->consumer_ = nullptr;
    body_paused_ = false;
    close_after_output_ = true;
  }
  reactor_.exchange_completed();
  if (closed_) {
    queue_.remove_if([ex](Exchange* queued) { return queued == ex; });
    reactor_.release_exchange(ex);
    owner_.exchange_completed();  // may destroy the owner, and this session: last
    return;
  }
  if (in_input_) return;  // gathered at the end of the input batch
  collect_ready();
  owner_.exchange_completed();  // last, as above
}

namespace {
// Parts of a streamed body are pulled in this size; a body that fits in the
// first one goes out with Content-Length instead.
constexpr size_t kBodyPart = 64 * 1024;
}  // namespace

void HttpSession::collect_ready() {
  while (sending_ == nullptr && !queue_.empty() && queue_.front()->done_) {
    Exchange* ex = queue_.front();
    http::Response& res = ex->response_;
    bool chunked = false;
    if (res.stream) {
      res.body.clear();
      bool more = res.stream->next(res.body, kBodyPart);
      if (more && !ex->head_only_ && !ex->http10_) {
        chunked = true;
      } else {  // all of it in one part, or a client that gets it whole
        while (more) more = res.stream->next(res.body, kBodyPart);
        res.stream.reset();
      }
    }
    http::ResponseMeta meta;
    meta.date = reactor_.date().get();
    meta.request_id = ex->request_id();
    meta.cors = ex->cors_;
    if (ex->secure_) meta.hsts = reactor_.options().hsts;
    meta.keep_alive = ex->keep_alive_;
    meta.keep_alive_header = ex->keep_alive_ && ex->http10_;  // HTTP/1.0 keep-alive is said explicitly
    meta.head_only = ex->head_only_;
    size_t before = output_.size();
    http::serialize_response(res, meta, output_);  // chunked: the head only
    if (chunked) append_chunk(res.body);
    ex->bytes_out_ = output_.size() - before;
    if (chunked) {
      res.body.clear();
      sending_ = ex;  // produce_body goes on as the transport drains
      return;
    }
    sent(ex);
  }
}

void HttpSession::append_chunk(std::string_view data) {
  if (data.empty()) return;  // an empty chunk would end the body
  char size[20];
  auto r = std::to_chars(size, size + sizeof size, data.size(), 16);
  output_.append(size, size_t(r.ptr - size)).append("\r\n").append(data).append("\r\n");
}

void HttpSession::produce_body(size_t budget) {
  Exchange* ex = sending_;
  if (ex == nullptr || closed_) return;
  const size_t before = output_.size();
  bool more = true;
  while (more && output_.size() - before < budget) {
    part_.clear();
    more = ex->response_.stream->next(part_, kBodyPart);
    append_chunk(part_);
  }
  if (!more) output_.append("0\r\n\r\n");  // the last chunk, no trailers
  ex->bytes_out_ += output_.size() - before;
  if (more) return;
  sending_ = nullptr;
  ex->response_.stream.reset();
  sent(ex);
  collect_ready();  // what waited behind it
}

void HttpSession::sent(Exchange* ex) {
  queue_.pop_front();  // ex: it was the front
  const uint64_t micros = (monotonic_ns() - ex->start_ns_) / 1000;
  reactor_.metrics().request_done(ex->metric_slot_, ex->response_.status, micros);
  if (ex->path_len_ > 0) {
    reactor_.access_log().append(std::string_view(ex->method_, ex->method_len_),
                                 std::string_view(ex->path_, ex->path_len_), ex->response_.status, ex->bytes_out_,
                                 micros, ex->request_id(), ex->client_address());
  }
  if (ex->response_.close_connection || !ex->keep_alive_) close_after_output_ = true;
  reactor_.release_exchange(ex);
}

void HttpSession::peer_gone() {
  for (Exchange* ex = queue_.front(); ex != nullptr; ex = ex->next_in_session_) {
    if (ex->done_ || ex->watcher_ == nullptr) continue;
    ExchangeWatcher* w = ex->watcher_;
    ex->watcher_ = nullptr;
    w->on_client_gone();
  }
}

void HttpSession::close() {
  if (closed_) return;
  peer_gone();
  closed_ = true;
  sending_ = nullptr;  // released below with the other answered exchanges
  abort_stream(http::ErrorCode::kBadRequest, {});  // the client went away mid-body
  queue_.remove_if([this](Exchange* ex) {
    if (!ex->done_) return false;
    reactor_.release_exchange(ex);
    return true;
  });
}

}  // namespace claribi::net
