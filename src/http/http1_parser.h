// Http1Parser: llhttp glue. Owns the connection's input buffer, feeds it to
// llhttp and hands out one complete Request at a time as views into that
// buffer (the head is never copied; a chunked body is reassembled into a
// side buffer, a Content-Length body is viewed in place). Enforces the §1
// limits: head size (431), header count (431), body size (413, decided as
// soon as the head is complete so an oversized body is never read).
//
// Streamed bodies (row uploads, far larger than any buffer should be): when
// the body policy of a head says `stream`, next() returns kStreamHead as
// soon as the head is complete, with an empty body. The caller then either
// calls stream_body(sink) — every body byte (de-chunked) goes to the sink as
// it is parsed and is not kept, and the end of the body is reported with
// on_body_end(), after which parsing goes on with the next request — or
// abandons the connection (an error answer and close).
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/error.h"
#include "http/request.h"

namespace claribi::http {

// Readable bytes kept after the end of any body handed out, so simdjson can
// parse the body in place.
inline constexpr size_t kBodyPadding = 64;

class Http1Parser {
 public:
  struct Limits {
    size_t max_head_bytes = 16 * 1024;
    size_t max_body_bytes = 1024 * 1024;
  };
  // Called when a head is complete: the body limit for that request, and
  // whether its body is streamed (see above). Optional.
  struct BodyPolicy {
    size_t limit = 0;
    bool stream = false;
  };
  using BodyPolicyFn = std::function<BodyPolicy(const Request& head)>;
  // Receives a streamed body; both calls happen inside next().
  class BodySink {
   public:
    virtual void on_body_bytes(std::string_view bytes) = 0;
    virtual void on_body_end() = 0;

   protected:
    ~BodySink() = default;
  };

  explicit Http1Parser(const Limits& limits, BodyPolicyFn body_policy = nullptr);
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  // Space to read more bytes into (at least min_free, growing the buffer up
  // to the limits); then commit(n) what was read.
  char* write_ptr(size_t* avail);
  void commit(size_t n);

  enum class State { kNeedMore, kRequest, kStreamHead, kError };
  // Parses buffered bytes. kRequest: request() holds the next request, valid
  // until next() is called again. kError: error()/error_detail() tell why;
  // the connection must answer and close.
  State next();
  const Request& request() const { return req_; }
  Request& mutable_request() { return req_; }
  ErrorCode error() const { return error_; }
  std::string_view error_detail() const { return error_detail_; }

  // After kStreamHead: the body goes to `sink` from now on (nullptr: the
  // request was refused; the parser stays paused for good).
  void stream_body(BodySink* sink);
  bool streaming() const { return sink_ != nullptr; }

  // A head has started but is not complete (the 408 timer runs).
  bool head_in_progress() const { return in_message_ && !head_done_; }
  // Some bytes of a request have been received but not the whole request.
  bool message_in_progress() const { return in_message_; }
  // True once per request whose head asked `Expect: 100-continue` and whose
  // body is still to come; the caller sends "100 Continue".
  bool take_expect_continue();
  // Bytes buffered but not yet parsed or belonging to the current request.
  size_t buffered() const { return size_ - msg_start_; }
  // Releases the buffer when nothing is buffered (idle keep-alive).
  void shrink_if_idle();

 private:
  static int on_message_begin(llhttp_t*);
  static int on_url(llhttp_t*, const char*, size_t);
  static int on_url_complete(llhttp_t*);
  // Why the head just built must be refused with 400 (RFC 9112 §3.2,
  // §5.1), or null.
  const char* head_error() const;
  static int on_header_field(llhttp_t*, const char*, size_t);
  static int on_header_field_complete(llhttp_t*);
  static int on_header_value(llhttp_t*, const char*, size_t);
  static int on_header_value_complete(llhttp_t*);
  static int on_headers_complete(llhttp_t*);
  static int on_body(llhttp_t*, const char*, size_t);
  static int on_message_complete(llhttp_t*);
  static const llhttp_settings_t& settings();

  int fail(ErrorCode code, const char* detail);
  bool head_too_large(const char* at_end) const;
  void build_head();
  void start_message();

  struct Span {
    uint32_t off = 0;
    uint32_t len = 0;
  };
  struct HeaderSpan {
    Span name, value;
  };

  Limits limits_;
  BodyPolicyFn body_policy_fn_;
  llhttp_t parser_;

  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t size_ = 0;       // bytes in buf_
  size_t parsed_ = 0;     // bytes given to llhttp
  size_t msg_start_ = 0;  // first byte of the request being parsed

  // The request being parsed, as offsets (stable across buffer compaction).
  Span url_;
  HeaderSpan headers_[kMaxHeaders];
  int header_count_ = 0;
  bool in_field_ = false;
  bool in_value_ = false;
  bool in_url_ = false;
  bool in_message_ = false;
  bool head_done_ = false;
  bool paused_ = false;
  bool chunked_ = false;
  bool expect_continue_ = false;
  Span body_;
  std::string body_copy_;  // chunked bodies, reassembled
  size_t body_limit_ = 0;
  size_t body_bytes_ = 0;
  bool stream_ = false;       // this request's body is streamed
  BodySink* sink_ = nullptr;  // where it goes, once accepted

  Request req_;
  ErrorCode error_ = ErrorCode::kBadRequest;
  const char* error_detail_ = "";
  bool failed_ = false;
};

}  // namespace claribi::http
