// HttpSession: the HTTP/1.1 side of one connection, without the socket.
// Bytes go in (write_ptr/commit, then process_input); complete requests are
// parsed in place, given their transport facts (request id, client address,
// https or not) and handed to the reactor's handler in order; finished
// responses come out serialized, in request order, in output(). Connection
// owns the socket, TLS and timers and moves bytes between them and a
// session; benchmarks and fuzzers drive a session directly, so they run the
// exact per-request code the server runs.
//
// Single-threaded: every call, and every Exchange::finish of its requests,
// happens on the reactor's thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/error.h"
#include "http/http1_parser.h"
#include "net/exchange.h"

namespace claribi::net {

class Reactor;

// What a session tells its transport.
class SessionOwner {
 public:
  // An exchange finished outside process_input (an asynchronous handler):
  // its response, and any that were waiting behind it, are in output().
  // After close() it means an abandoned exchange came back; the owner may
  // now be able to go away (outstanding() fell).
  virtual void exchange_completed() = 0;
  // A streamed body's consumer can take bytes again: read (and process)
  // input again.
  virtual void input_resumed() = 0;

 protected:
  ~SessionOwner() = default;
};

class HttpSession : private http::Http1Parser::BodySink {
 public:
  HttpSession(Reactor& reactor, SessionOwner& owner);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Transport facts, set before the first request.
  void set_peer(std::string_view address, bool trusted_proxy);
  void set_secure(bool tls) { secure_ = tls; }

  // Input: the parser's free space, then how much of it was filled.
  char* write_ptr(size_t* avail) { return parser_.write_ptr(avail); }
  void commit(size_t n) { parser_.commit(n); }
  // Dispatches every complete request in the input (stopping at the
  // pipelining limit, or when the connection must close) and serializes
  // the responses that are ready, in order, into output().
  void process_input();
  // Answers with an error and Connection: close, ahead of anything else
  // still unparsed (a parse error, a timeout, plain HTTP on the TLS port).
  void respond_error_and_close(http::ErrorCode code, std::string_view detail);

  // Serialized responses (and 100 Continue) not yet taken by the transport.
  std::string& output() { return output_; }

  // A response body is being sent in parts (http::BodySource): the
  // transport calls produce_body as its buffers drain, and answers queued
  // behind wait for it.
  bool sending_body() const { return sending_ != nullptr; }
  // Appends about `budget` more bytes of it (chunk-framed) to output();
  // at its end, the responses ready behind it too.
  void produce_body(size_t budget);

  // Close once output() is written: the client asked, an error, or EOF.
  bool closing_after_output() const { return close_after_output_; }
  void close_after_output() { close_after_output_ = true; }
  // Graceful shutdown: no keep-alive for requests from now on.
  void drain() { draining_ = true; }
  // Reading paused at the pipelining limit; true once, when the queue fell
  // below it again and the transport should read (and process) again.
  // Also while a streamed body's consumer is full (until resume_body).
  // And while an exchange holds the input (Exchange::hold_input).
  bool backpressured() const { return backpressured_ || body_paused_ || holder_ != nullptr; }
  bool resume_if_below_limit();

  bool has_unanswered() const { return !queue_.empty(); }
  bool head_in_progress() const { return parser_.head_in_progress(); }
  bool message_in_progress() const { return parser_.message_in_progress(); }
  // Requests handed to the handler and not finished yet.
  int outstanding() const { return outstanding_; }
  // Requests seen on this connection so far (a head completed).
  uint64_t requests() const { return requests_; }
  // The client sends its body too slowly: 408 and close — through the
  // streamed body's handler when one is reading it.
  void body_timed_out();

  // The client will read no more answers (EOF, or the connection is going):
  // tells the watchers of unfinished exchanges. Idempotent.
  void peer_gone();
  // The connection is gone: answered exchanges go back to the pool now,
  // unanswered ones when their handler finishes them.
  void close();

 private:
  friend class Exchange;
  void dispatch(http::Request& req);
  void dispatch_stream_head(http::Request& req);
  void resume_body();
  void hold_input(Exchange* ex);
  void release_input(Exchange* ex);
  void abort_stream(http::ErrorCode code, std::string_view detail);
  // Http1Parser::BodySink: bytes of the streamed body, to its consumer.
  void on_body_bytes(std::string_view bytes) override;
  void on_body_end() override;
  void collect_ready();
  void append_chunk(std::string_view data);
  void sent(Exchange* ex);  // its response is all in output(): log, release
  void exchange_finished(Exchange* ex);
  void assign_request_id(Exchange* ex, std::string_view from_client);

  // The session's exchanges in request order, linked through the exchanges
  // themselves: queueing a request never allocates.
  class Queue {
   public:
    bool empty() const { return head_ == nullptr; }
    size_t size() const { return size_; }
    Exchange* front() const { return head_; }
    Exchange* back() const { return tail_; }
    void push_back(Exchange* ex) {
      ex->next_in_session_ = nullptr;
      (head_ == nullptr ? head_ : tail_->next_in_session_) = ex;
      tail_ = ex;
      ++size_;
    }
    Exchange* pop_front() {
      Exchange* ex = head_;
      head_ = ex->next_in_session_;
      if (head_ == nullptr) tail_ = nullptr;
      ex->next_in_session_ = nullptr;
      --size_;
      return ex;
    }
    // Unlinks every exchange for which drop(ex) is true (drop may release it).
    template <typename Pred>
    void remove_if(Pred drop) {
      Exchange* prev = nullptr;
      for (Exchange* ex = head_; ex != nullptr;) {
        Exchange* next = ex->next_in_session_;
        if (drop(ex)) {
          (prev == nullptr ? head_ : prev->next_in_session_) = next;
          if (tail_ == ex) tail_ = prev;
          --size_;
        } else {
          prev = ex;
        }
        ex = next;
      }
    }

   private:
    Exchange* head_ = nullptr;
    Exchange* tail_ = nullptr;
    size_t size_ = 0;
  };

  Reactor& reactor_;
  SessionOwner& owner_;
  http::Http1Parser parser_;
  Queue queue_;
  std::string output_;
  int outstanding_ = 0;
  uint64_t requests_ = 0;
  bool secure_ = false;
  bool peer_trusted_ = false;
  bool in_input_ = false;  // inside process_input: responses gathered at its end
  bool close_after_output_ = false;
  bool draining_ = false;
  bool backpressured_ = false;
  bool body_paused_ = false;
  bool close_after_stream_ = false;
  bool closed_ = false;
  Exchange* streaming_ = nullptr;  // the exchange whose body is being streamed
  Exchange* holder_ = nullptr;     // holds the input: nothing more is parsed (Exchange::hold_input)
  bool hold_released_ = false;     // the holder finished: the transport should process input again
  bool continue_owed_ = false;     // the holder's upload asked for 100 Continue: sent if it takes the body
  Exchange* sending_ = nullptr;    // the queue's front, its response body going out in parts
  std::string part_;               // the part being framed
  char peer_[64] = {};
  uint8_t peer_len_ = 0;
};

}  // namespace claribi::net
