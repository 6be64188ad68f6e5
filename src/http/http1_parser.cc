#include "http/http1_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace claribi::http {

namespace {
constexpr size_t kInitialCapacity = 4096;
constexpr size_t kMinRead = 2048;
// A streamed body is read through a buffer of this size (reads of a few KiB
// would cost a syscall and an SSL_read per few KiB).
constexpr size_t kStreamBuffer = 256 * 1024;

Http1Parser* self(llhttp_t* p) { return static_cast<Http1Parser*>(p->data); }

Method to_method(uint8_t m) {
  switch (m) {
    case HTTP_GET: return Method::kGet;
    case HTTP_HEAD: return Method::kHead;
    case HTTP_POST: return Method::kPost;
    case HTTP_PUT: return Method::kPut;
    case HTTP_PATCH: return Method::kPatch;
    case HTTP_DELETE: return Method::kDelete;
    case HTTP_OPTIONS: return Method::kOptions;
    default: return Method::kOther;
  }
}

// RFC 9110 §5.6.2 tchar: a field name is one or more of these (no spaces,
// so neither "X Foo" nor "Authorization :" is a name). A table: every
// header name of every request is checked.
constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = t[size_t(c - 'a' + 'A')] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name)
    if (!kTchar[static_cast<unsigned char>(ch)]) return false;
  return true;
}

// The origin-form path of an absolute-form target ("https://host:port/p?q"
// -> "/p?q", RFC 9112 §3.2.2); other targets as they are.
std::string_view origin_form(std::string_view target) {
  size_t scheme = 0;
  if (target.size() > 7 && iequals(target.substr(0, 7), "http://")) scheme = 7;
  else if (target.size() > 8 && iequals(target.substr(0, 8), "https://")) scheme = 8;
  if (scheme == 0) return target;
  size_t path = target.find_first_of("/?", scheme);
  if (path == std::string_view::npos) return "/";
  return target.substr(path);  // "?q" for "http://h?q": the caller reads an empty path as "/"
}

bool contains_token_ci(std::string_view v, std::string_view token) {
  for (size_t i = 0; i + token.size() <= v.size(); ++i)
    if (iequals(v.substr(i, token.size()), token)) return true;
  return false;
}
}  // namespace

const llhttp_settings_t& Http1Parser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = &Http1Parser::on_message_begin;
    st.on_url = &Http1Parser::on_url;
    st.on_url_complete = &Http1Parser::on_url_complete;
    st.on_header_field = &Http1Parser::on_header_field;
    st.on_header_field_complete = &Http1Parser::on_header_field_complete;
    st.on_header_value = &Http1Parser::on_header_value;
    st.on_header_value_complete = &Http1Parser::on_header_value_complete;
    st.on_headers_complete = &Http1Parser::on_headers_complete;
    st.on_body = &Http1Parser::on_body;
    st.on_message_complete = &Http1Parser::on_message_complete;
    return st;
  }();
  return s;
}

Http1Parser::Http1Parser(const Limits& limits, BodyPolicyFn body_policy)
    : limits_(limits), body_policy_fn_(std::move(body_policy)) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

char* Http1Parser::write_ptr(size_t* avail) {
  // Compact: drop bytes of requests already answered. Only between requests
  // handed out (never while a Request view is live: the caller reads only
  // after next() returned kNeedMore).
  if (msg_start_ > 0) {
    size_t keep = size_ - msg_start_;
    if (keep > 0) std::memmove(buf_.get(), buf_.get() + msg_start_, keep);
    auto shift = [&](Span& s) { if (s.off >= msg_start_) s.off -= uint32_t(msg_start_); };
    if (in_message_) {
      shift(url_);
      for (int i = 0; i < header_count_; ++i) {
        shift(headers_[i].name);
        shift(headers_[i].value);
      }
      shift(body_);
    }
    parsed_ -= msg_start_;
    size_ = keep;
    msg_start_ = 0;
  }
  size_t free_bytes = cap_ > size_ + kBodyPadding ? cap_ - size_ - kBodyPadding : 0;
  if (sink_ != nullptr && cap_ < kStreamBuffer) free_bytes = 0;  // grow once to the streaming size
  if (free_bytes < kMinRead) {
    // Never grow past what one request may need: the limits decide, and the
    // parser reports 431/413 before that.
    size_t max_cap = limits_.max_head_bytes + (body_limit_ > limits_.max_body_bytes ? body_limit_ : limits_.max_body_bytes) + kBodyPadding + kMinRead;
    if (sink_ != nullptr) max_cap = kStreamBuffer + limits_.max_head_bytes;  // bytes go to the sink, not here
    size_t new_cap = cap_ == 0 ? kInitialCapacity : cap_ * 2;
    if (sink_ != nullptr) new_cap = std::max(new_cap, kStreamBuffer);
    while (new_cap < size_ + kBodyPadding + kMinRead) new_cap *= 2;
    if (new_cap > max_cap) new_cap = max_cap > size_ + kBodyPadding + kMinRead ? max_cap : size_ + kBodyPadding + kMinRead;
    std::unique_ptr<char[]> nb(new char[new_cap]);
    if (size_ > 0) std::memcpy(nb.get(), buf_.get(), size_);
    buf_ = std::move(nb);
    cap_ = new_cap;
    free_bytes = cap_ - size_ - kBodyPadding;
  }
  *avail = free_bytes;
  return buf_.get() + size_;
}

void Http1Parser::commit(size_t n) { size_ += n; }

void Http1Parser::shrink_if_idle() {
  if (size_ == msg_start_ && !in_message_ && !paused_ && cap_ > kInitialCapacity) {
    buf_.reset();
    cap_ = size_ = parsed_ = msg_start_ = 0;
  }
}

bool Http1Parser::take_expect_continue() {
  bool v = expect_continue_;
  expect_continue_ = false;
  return v;
}

void Http1Parser::start_message() {
  url_ = {};
  header_count_ = 0;
  in_field_ = in_value_ = in_url_ = false;
  head_done_ = false;
  chunked_ = false;
  expect_continue_ = false;
  body_ = {};
  body_copy_.clear();
  body_limit_ = limits_.max_body_bytes;
  body_bytes_ = 0;
  stream_ = false;
  sink_ = nullptr;
}

int Http1Parser::fail(ErrorCode code, const char* detail) {
  failed_ = true;
  error_ = code;
  error_detail_ = detail;
  return HPE_USER;
}

bool Http1Parser::head_too_large(const char* at_end) const {
  return size_t(at_end - buf_.get()) - msg_start_ > limits_.max_head_bytes;
}

int Http1Parser::on_message_begin(llhttp_t* p) {
  Http1Parser* s = self(p);
  s->start_message();
  s->in_message_ = true;
  return 0;
}

int Http1Parser::on_url(llhttp_t* p, const char* at, size_t len) {
  Http1Parser* s = self(p);
  if (!s->in_url_) {
    s->in_url_ = true;
    s->url_.off = uint32_t(at - s->buf_.get());
  }
  s->url_.len += uint32_t(len);
  if (s->head_too_large(at + len)) return s->fail(ErrorCode::kRequestHeaderFieldsTooLarge, "The request line and headers exceed the limit.");
  return 0;
}

int Http1Parser::on_url_complete(llhttp_t* p) {
  self(p)->in_url_ = false;
  return 0;
}

int Http1Parser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  Http1Parser* s = self(p);
  if (!s->in_field_) {
    if (s->header_count_ >= kMaxHeaders) return s->fail(ErrorCode::kRequestHeaderFieldsTooLarge, "Too many header fields.");
    s->in_field_ = true;
    HeaderSpan& h = s->headers_[s->header_count_++];
    h = HeaderSpan{};
    h.name.off = uint32_t(at - s->buf_.get());
  }
  s->headers_[s->header_count_ - 1].name.len += uint32_t(len);
  if (s->head_too_large(at + len)) return s->fail(ErrorCode::kRequestHeaderFieldsTooLarge, "The request line and headers exceed the limit.");
  return 0;
}

int Http1Parser::on_header_field_complete(llhttp_t* p) {
  self(p)->in_field_ = false;
  return 0;
}

int Http1Parser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  Http1Parser* s = self(p);
  if (s->header_count_ == 0) return 0;
  HeaderSpan& h = s->headers_[s->header_count_ - 1];
  if (!s->in_value_) {
    s->in_value_ = true;
    h.value.off = uint32_t(at - s->buf_.get());
  }
  h.value.len += uint32_t(len);
  if (s->head_too_large(at + len)) return s->fail(ErrorCode::kRequestHeaderFieldsTooLarge, "The request line and headers exceed the limit.");
  return 0;
}

int Http1Parser::on_header_value_complete(llhttp_t* p) {
  self(p)->in_value_ = false;
  return 0;
}

void Http1Parser::build_head() {
  const char* base = buf_.get();
  req_.method = to_method(parser_.method);
  req_.method_text = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  req_.target = origin_form(std::string_view(base + url_.off, url_.len));
  size_t q = req_.target.find('?');
  req_.path = req_.target.substr(0, q);
  if (req_.path.empty()) req_.path = "/";
  req_.query = q == std::string_view::npos ? std::string_view() : req_.target.substr(q + 1);
  req_.header_count = header_count_;
  for (int i = 0; i < header_count_; ++i) {
    req_.headers[i].name = std::string_view(base + headers_[i].name.off, headers_[i].name.len);
    // Trailing whitespace of a value is not part of it (RFC 9110 §5.5).
    std::string_view v(base + headers_[i].value.off, headers_[i].value.len);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    req_.headers[i].value = v;
  }
  req_.http_major = parser_.http_major;
  req_.http_minor = parser_.http_minor;
  req_.body = {};
}

const char* Http1Parser::head_error() const {
  int hosts = 0;
  for (int i = 0; i < req_.header_count; ++i) {
    if (!is_token(req_.headers[i].name)) return "A header field name is not a token (RFC 9112 §5.1: no spaces, none before the colon).";
    if (iequals(req_.headers[i].name, "host")) ++hosts;
  }
  if (hosts > 1) return "More than one Host header (RFC 9112 §3.2).";
  if (hosts == 0 && req_.http_major == 1 && req_.http_minor >= 1) return "An HTTP/1.1 request needs a Host header (RFC 9112 §3.2).";
  return nullptr;
}

int Http1Parser::on_headers_complete(llhttp_t* p) {
  Http1Parser* s = self(p);
  s->head_done_ = true;
  s->build_head();
  if (const char* why = s->head_error()) return s->fail(ErrorCode::kBadRequest, why);
  s->chunked_ = (p->flags & F_CHUNKED) != 0;
  if (s->body_policy_fn_) {
    BodyPolicy bp = s->body_policy_fn_(s->req_);
    s->body_limit_ = bp.limit;
    s->stream_ = bp.stream;
  }
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > s->body_limit_) {
    return s->fail(ErrorCode::kPayloadTooLarge, "The request body exceeds the limit.");
  }
  bool has_body = s->chunked_ || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
  std::string_view expect = s->req_.header("expect");
  if (has_body && !expect.empty() && contains_token_ci(expect, "100-continue")) {
    s->expect_continue_ = true;
  }
  // A streamed body: hand the head out now (next() returns kStreamHead).
  if (s->stream_) return HPE_PAUSED;
  return 0;
}

int Http1Parser::on_body(llhttp_t* p, const char* at, size_t len) {
  Http1Parser* s = self(p);
  s->expect_continue_ = false;  // the body is arriving anyway
  s->body_bytes_ += len;
  if (s->body_bytes_ > s->body_limit_) return s->fail(ErrorCode::kPayloadTooLarge, "The request body exceeds the limit.");
  if (s->sink_ != nullptr) {
    s->sink_->on_body_bytes(std::string_view(at, len));
    return 0;
  }
  if (s->chunked_) {
    s->body_copy_.append(at, len);
  } else {
    if (s->body_.len == 0) s->body_.off = uint32_t(at - s->buf_.get());
    s->body_.len += uint32_t(len);
  }
  return 0;
}

int Http1Parser::on_message_complete(llhttp_t* p) {
  Http1Parser* s = self(p);
  s->in_message_ = false;
  if (s->sink_ != nullptr) {
    // The streamed request is over (its exchange answers later); go on
    // with the next request in the buffer.
    BodySink* sink = s->sink_;
    s->sink_ = nullptr;
    s->stream_ = false;
    sink->on_body_end();
    return 0;
  }
  return HPE_PAUSED;
}

void Http1Parser::stream_body(BodySink* sink) {
  sink_ = sink;
  if (sink == nullptr) {
    failed_ = true;  // refused: nothing more is parsed on this connection
    error_detail_ = "The request was refused.";
  }
}

Http1Parser::State Http1Parser::next() {
  if (failed_) return State::kError;
  if (paused_) {
    paused_ = false;
    llhttp_resume(&parser_);
    // After a complete request, the next one starts here; after a streamed
    // head the head's bytes are no longer needed (the handler copied what
    // it keeps) and body bytes are not kept either.
    msg_start_ = parsed_;
  }
  while (parsed_ < size_) {
    const char* start = buf_.get() + parsed_;
    llhttp_errno_t err = llhttp_execute(&parser_, start, size_ - parsed_);
    if (err == HPE_OK) {
      parsed_ = size_;
      if (sink_ != nullptr) msg_start_ = parsed_;  // delivered: drop it
      break;
    }
    if (err == HPE_PAUSED) {
      parsed_ = size_t(llhttp_get_error_pos(&parser_) - buf_.get());
      paused_ = true;
      // The head views were built at headers-complete; the buffer has not
      // moved since (compaction happens only in write_ptr, between reads).
      build_head();  // the body is empty here, and set below for a whole request
      req_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
      // Paused at the end of a streamed head: the body goes to a sink.
      if (stream_ && sink_ == nullptr && in_message_) return State::kStreamHead;
      if (chunked_) {
        // Keep padding readable after the reassembled body too.
        body_copy_.reserve(body_copy_.size() + kBodyPadding);
        req_.body = body_copy_;
      } else {
        req_.body = std::string_view(buf_.get() + body_.off, body_.len);
      }
      return State::kRequest;
    }
    if (!failed_) {
      failed_ = true;
      error_ = ErrorCode::kBadRequest;
      error_detail_ = llhttp_get_error_reason(&parser_);
      if (error_detail_ == nullptr) error_detail_ = "Malformed HTTP request.";
    }
    return State::kError;
  }
  // Before a request line even ends, the head may already be too large.
  if (in_message_ && !head_done_ && size_ - msg_start_ > limits_.max_head_bytes) {
    fail(ErrorCode::kRequestHeaderFieldsTooLarge, "The request line and headers exceed the limit.");
    return State::kError;
  }
  // Nothing of a new message buffered: start the next one at the end.
  if (!in_message_) msg_start_ = parsed_;
  return State::kNeedMore;
}

}  // namespace claribi::http
