// Exchange: one request and its response as the session tracks them.
// The handler fills response() and calls finish(), either before handle()
// returns or later on the same reactor thread (after work on the writer or
// the worker pool). request() is valid only while handle() runs (or, for an
// exchange holding the input, until it lets go); whatever an asynchronous
// handler needs later it copies first. Exchanges are pooled per
// reactor, so their response buffers are reused from request to request.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/error.h"
#include "http/http1_parser.h"
#include "http/request.h"
#include "http/response.h"

namespace claribi::net {

class HttpSession;
class Reactor;

// Takes a streamed request body (routes whose body policy says stream, see
// RequestHandler::body_policy). Every call is on the reactor thread, from
// inside the session's input processing; after on_body_end or
// on_body_abort there are no more calls.
class BodyConsumer {
 public:
  // The next bytes of the body (de-chunked), valid during the call. Return
  // false when no more should come for now: the connection stops reading
  // until Exchange::resume_body().
  virtual bool on_body(std::string_view bytes) = 0;
  virtual void on_body_end() = 0;
  // The body will not complete: the client went away (kBadRequest with an
  // empty detail) or the rest was malformed or too large (code and detail
  // say so). The exchange must still be finished; its response is sent if
  // the connection is still there.
  virtual void on_body_abort(http::ErrorCode code, std::string_view detail) = 0;

 protected:
  ~BodyConsumer() = default;
};

// Told when the client of an unfinished exchange is gone (its connection
// closed, or it sent EOF: like nginx, a client that stops sending is taken
// to have given up), so a long job — a query — can stop early. Reactor
// thread, at most once; the exchange must still be finished.
class ExchangeWatcher {
 public:
  virtual void on_client_gone() = 0;

 protected:
  ~ExchangeWatcher() = default;
};

class Exchange {
 public:
  const http::Request& request() const { return *request_; }
  http::Response& response() { return response_; }
  Reactor& reactor() const { return *reactor_; }
  // Request id and client address stay valid until finish().
  std::string_view request_id() const { return {request_id_, request_id_len_}; }
  std::string_view client_address() const { return {client_address_, client_address_len_}; }
  // Access-Control-* lines for the response; must outlive the exchange
  // (CorsPolicy renders them once at start).
  void set_cors(std::string_view lines) { cors_ = lines; }
  // The response is complete. Exactly once, on the reactor thread.
  void finish();
  // For a streamed body: called by the handler inside handle() to take the
  // body (otherwise the request is answered without reading it, and the
  // connection closes after the answer).
  void stream_body(BodyConsumer* consumer) { consumer_ = consumer; }
  // The consumer can take bytes again (after on_body returned false).
  void resume_body();
  // Asks to be told when the client goes away before finish() (nullptr: no more).
  void watch(ExchangeWatcher* watcher) { watcher_ = watcher; }
  // Inside handle(), for a handler that decides later whether to go on (a
  // rate-limit check answered by Redis): the connection reads and parses
  // nothing more — no next request, no byte of a streamed body — so request()
  // stays valid after handle() returns, until release_input() or finish().
  // A streamed body is then taken by a stream_body() call made before
  // release_input().
  void hold_input();
  void release_input();
  // While set, finish() sets *flag to true first (and forgets the flag): lets a
  // caller learn whether a handler it ran finished the exchange, after which
  // the exchange may already be back in the pool and must not be touched.
  void set_finish_flag(bool* flag) { finish_flag_ = flag; }
  // A request a sampled access log leaves out (health probes); `all` still logs it.
  void leave_out_of_sampled_log();
  // Which of the reactor's per-route metrics the request counts in (the
  // route's index; until set, "no route").
  void set_metric_slot(size_t slot) { metric_slot_ = uint16_t(slot); }

 private:
  friend class HttpSession;
  friend class Reactor;
  void reset();

  HttpSession* session_ = nullptr;
  Exchange* next_in_session_ = nullptr;  // the session's queue links its exchanges
  Reactor* reactor_ = nullptr;
  const http::Request* request_ = nullptr;
  BodyConsumer* consumer_ = nullptr;
  ExchangeWatcher* watcher_ = nullptr;
  bool* finish_flag_ = nullptr;
  http::Response response_;
  std::string_view cors_;
  bool done_ = false;
  bool head_only_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;      // no chunked encoding: a streamed body goes out whole
  bool secure_ = false;      // an HTTPS request: the answer carries HSTS
  uint64_t start_ns_ = 0;    // the head parsed (latency metrics, the access log)
  uint16_t metric_slot_ = 0;
  uint64_t bytes_out_ = 0;   // of a streamed response, for the access log
  char request_id_[64];
  uint8_t request_id_len_ = 0;
  char client_address_[64];
  uint8_t client_address_len_ = 0;
  // For the access log (truncated copies, as the request views do not last).
  char method_[8];
  uint8_t method_len_ = 0;
  char path_[120];
  uint8_t path_len_ = 0;
  Exchange* next_free_ = nullptr;
};

// What the connection hands requests to (the api pipeline implements it).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Body limit for a request whose head just arrived (413 above it), and
  // whether its body is streamed to a BodyConsumer instead of buffered.
  virtual http::Http1Parser::BodyPolicy body_policy(const http::Request& head) const = 0;
  virtual void handle(Exchange& ex) = 0;
};

}  // namespace claribi::net
