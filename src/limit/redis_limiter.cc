#include "limit/redis_limiter.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "common/time_util.h"
#include "limit/redis_uv_events.h"

namespace claribi::limit {

namespace {

// KEYS[1] the credential's log; ARGV: limit, window ms, a unique member.
// Returns {admitted 0|1, remaining, ms until the oldest counted request
// leaves the window (0: none), when refused: ms until a request would be
// admitted — when the limit-th newest entry leaves the window, the local
// limiter's rule (0 when admitted)}.
constexpr std::string_view kLimitScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  admitted = 1
end
local reset = 0
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then
  reset = tonumber(oldest[2]) + window - now
  redis.call('PEXPIRE', KEYS[1], window)
end
local retry = 0
if admitted == 0 then
  local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  if blocking[2] then retry = tonumber(blocking[2]) + window - now end
end
return {admitted, math.max(0, limit - count), reset, retry}
)lua";

// KEYS[1] the heartbeat set; ARGV: node id, liveness ms. Returns live nodes.
constexpr std::string_view kHeartbeatScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
)lua";

constexpr int64_t kLiveNodeMs = 5'000;   // a heartbeat newer than this: the node is live
constexpr int64_t kRetryAfterMs = 1'000;  // after two timeouts in a row, Redis is tried again this much later
constexpr uint64_t kConnectTimeoutMs = 2'000;
// A connection with commands out and no reply for this long (or twice the
// timeout, if longer) is taken as dead — a peer gone without a reset, a
// partition — and replaced.
constexpr uint64_t kNoReplyMs = 2'000;
constexpr uint64_t kCloseWaitMs = 200;  // at shutdown, for Redis to take the last commands

std::string hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// Nobody could decide: the reactor is closing, or the fallback is closed.
LimitOutcome unavailable() {
  LimitOutcome o;
  o.verdict = LimitVerdict::kUnavailable;
  o.decider = LimitDecider::kClosed;
  return o;
}

uint32_t ceil_seconds(int64_t ms) { return ms <= 0 ? 0 : uint32_t((ms + 999) / 1000); }

// Deadlines are kept in the clock's present, not the loop's (uv_now is the
// start of the loop iteration: a long iteration would make them early).
uint64_t clock_ms() { return uv_hrtime() / 1'000'000; }

}  // namespace

// ---------------------------------------------------------------------------
// One reactor's connection.

class RedisLimiter::Client {
 public:
  Client(RedisLimiter& owner, int slot) : owner_(owner), slot_(slot) {}

  void attach(uv_loop_t* loop) {
    loop_ = loop;
    uv_timer_init(loop, &timer_);
    timer_.data = this;
    connect();
  }

  // Checks still waiting get kUnavailable (the reactor is closing); slot 0
  // takes its heartbeat out, so the other nodes' shares grow at once. The
  // connection is closed once Redis has answered what was sent — or after
  // kCloseWaitMs, so a Redis that does not answer never holds up a shutdown.
  void detach() {
    if (closing_) return;
    closing_ = true;
    answer_all_waiting(/*closing=*/true);
    if (loop_ == nullptr) return;  // never attached
    if (ac_ == nullptr || !connected_) {
      free_context();
      close_timer();
      return;
    }
    if (slot_ == 0) {
      std::string key = owner_.options_.key_prefix + "nodes";
      redisAsyncCommand(ac_, nullptr, nullptr, "ZREM %b %b", key.data(), key.size(), owner_.node_id_.data(),
                        owner_.node_id_.size());
    }
    redisAsyncDisconnect(ac_);  // on_disconnect closes the timer (at once, when nothing is owed)
    if (!timer_closed_) uv_timer_start(&timer_, on_timer, kCloseWaitMs, 0);
  }

  void tick() {
    if (closing_) return;
    if (ac_ == nullptr) {
      connect();
      return;
    }
    if (!connected_ && uv_now(loop_) - connect_started_ > kConnectTimeoutMs) {
      // A connect that neither succeeds nor fails (packets dropped): start over.
      report_down("no answer to the connect within 2 s");
      free_context();
      return;
    }
    if (connected_ && !waiting_.empty() && clock_ms() - waiting_.front().sent > no_reply_ms()) {
      // Commands out and not one reply: a peer gone without a word.
      report_down("no reply within " + std::to_string(no_reply_ms()) + " ms");
      free_context();  // its waiting checks are answered (by the fallback) first
      return;
    }
    if (slot_ == 0 && connected_) heartbeat();
  }

  bool check(std::string_view bucket, uint32_t limit, const WaiterMaker& make_waiter, LimitOutcome* now) {
    const uint64_t t = clock_ms();
    if (closing_ || !connected_ || t < retry_at_) {
      *now = owner_.fallback(bucket, limit);
      return true;
    }
    Waiting w{nullptr, t, t + uint64_t(owner_.options_.timeout_ms), std::string(bucket), limit};
    if (!send(w, /*by_sha=*/true)) {
      *now = owner_.fallback(bucket, limit);
      return true;
    }
    w.waiter = make_waiter.make(make_waiter.arg);
    waiting_.push_back(std::move(w));
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_))) {
      uv_timer_start(&timer_, on_timer, uint64_t(owner_.options_.timeout_ms), 0);
    }
    return false;
  }

 private:
  struct Waiting {
    LimitWaiter* waiter;  // null once answered (by the fallback); its reply is still owed
    uint64_t sent;        // clock_ms()
    uint64_t deadline;    // clock_ms()
    std::string bucket;  // "key:12", "user:3": within the short-string buffer, no allocation
    uint32_t limit;
  };

  void connect() {
    const RedisEndpoint& e = owner_.options_.endpoint;
    redisAsyncContext* ac = e.socket_path.empty() ? redisAsyncConnect(owner_.address_.c_str(), e.port)
                                                  : redisAsyncConnectUnix(e.socket_path.c_str());
    if (ac == nullptr) return;
    if (ac->err != 0) {
      report_down(ac->errstr);
      redisAsyncFree(ac);
      return;
    }
    ac->data = this;
    connect_started_ = uv_now(loop_);
    if (e.socket_path.empty()) redisEnableKeepAlive(&ac->c);  // an idle connection's peer gone is noticed too
    if (attach_redis_to_loop(ac, loop_) != REDIS_OK) {
      report_down("could not attach to the event loop");
      redisAsyncFree(ac);
      return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    ac_ = ac;
    // Pipelined behind the connect: the replies are checked in on_setup_reply.
    if (!e.password.empty()) {
      if (e.user.empty()) {
        redisAsyncCommand(ac, on_setup_reply, this, "AUTH %b", e.password.data(), e.password.size());
      } else {
        redisAsyncCommand(ac, on_setup_reply, this, "AUTH %b %b", e.user.data(), e.user.size(), e.password.data(),
                          e.password.size());
      }
    }
    if (e.db != 0) redisAsyncCommand(ac, on_setup_reply, this, "SELECT %d", e.db);
    redisAsyncCommand(ac, on_setup_reply, this, "SCRIPT LOAD %b", kLimitScript.data(), kLimitScript.size());
  }

  bool send(const Waiting& w, bool by_sha) {
    // The credential's log in Redis: <key_prefix>rl:<bucket>.
    std::string& key = key_buffer_;
    key.assign(owner_.options_.key_prefix).append("rl:").append(w.bucket);
    char limit[16], window[24], member[64];
    std::snprintf(limit, sizeof limit, "%u", w.limit);
    std::snprintf(window, sizeof window, "%lld", static_cast<long long>(owner_.options_.window_ms));
    int n = std::snprintf(member, sizeof member, "%s:%d:%llu", owner_.node_id_.c_str(), slot_,
                          static_cast<unsigned long long>(++sequence_));
    const std::string_view script = by_sha ? std::string_view(owner_.script_sha_) : kLimitScript;
    const char* argv[] = {by_sha ? "EVALSHA" : "EVAL", script.data(), "1", key.data(), limit, window, member};
    size_t lens[] = {by_sha ? 7u : 4u, script.size(), 1, key.size(), std::strlen(limit), std::strlen(window),
                     size_t(n)};
    return redisAsyncCommandArgv(ac_, on_limit_reply, this, 7, argv, lens) == REDIS_OK;
  }

  void heartbeat() {
    std::string key = owner_.options_.key_prefix + "nodes";
    std::string live = std::to_string(kLiveNodeMs);
    const char* argv[] = {"EVAL", kHeartbeatScript.data(), "1", key.data(), owner_.node_id_.data(), live.data()};
    size_t lens[] = {4, kHeartbeatScript.size(), 1, key.size(), owner_.node_id_.size(), live.size()};
    redisAsyncCommandArgv(ac_, on_heartbeat_reply, this, 6, argv, lens);
  }

  // The reply to the oldest limit command.
  void limit_reply(redisReply* r) {
    if (waiting_.empty()) return;
    Waiting w = std::move(waiting_.front());
    waiting_.pop_front();
    if (r != nullptr && r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).substr(0, 8) == "NOSCRIPT" &&
        w.waiter != nullptr && ac_ != nullptr && !closing_) {
      // Redis lost its script cache (restart, SCRIPT FLUSH): send the script itself.
      if (send(w, /*by_sha=*/false)) {
        waiting_.push_back(std::move(w));
        return;
      }
    }
    if (w.waiter == nullptr) return;  // answered already by the fallback
    LimitWaiter* waiter = w.waiter;
    if (closing_) {
      waiter->on_limit(unavailable());
      return;
    }
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
        std::any_of(r->element, r->element + 4, [](const redisReply* e) { return e->type != REDIS_REPLY_INTEGER; })) {
      if (r != nullptr && r->type == REDIS_REPLY_ERROR) report_down(std::string(r->str, r->len));
      waiter->on_limit(owner_.fallback(w.bucket, w.limit));
      return;
    }
    LimitOutcome o;
    o.decision.admitted = r->element[0]->integer == 1;
    o.decision.limit = w.limit;
    o.decision.remaining = uint32_t(std::clamp<long long>(r->element[1]->integer, 0, w.limit));
    o.decision.reset_seconds = ceil_seconds(r->element[2]->integer);
    if (!o.decision.admitted) o.decision.retry_after_seconds = std::max<uint32_t>(1, ceil_seconds(r->element[3]->integer));
    waiter->on_limit(o);
  }

  // A check's deadline passed. Replies already in the socket are read first
  // (a busy loop may not have got to them yet). Then, if a check is still
  // unanswered past its deadline, Redis is slow or gone: every check still
  // waiting is decided by the fallback now (in order); after two such
  // timeouts with no reply between them, Redis is left alone for a second
  // (one late batch — a fork for a snapshot — does not send a node to its
  // share for a second; a Redis that stays silent costs two timeouts).
  void timed_out() {
    if (closing_) {  // Redis did not let the connection close in time
      free_context();
      close_timer();
      return;
    }
    if (connected_ && ac_ != nullptr) redisAsyncHandleRead(ac_);  // non-blocking; may run callbacks
    if (closing_ || timer_closed_) return;
    uint64_t first = UINT64_MAX;  // the earliest deadline of a check still waiting
    for (const Waiting& w : waiting_) {
      if (w.waiter != nullptr) first = std::min(first, w.deadline);
    }
    if (first == UINT64_MAX) return;  // all answered in time
    const uint64_t t = clock_ms();
    if (first > t) {
      uv_timer_start(&timer_, on_timer, first - t, 0);
      return;
    }
    if (++timeouts_in_a_row_ >= 2) {
      if (!slow_) {
        std::fprintf(stderr,
                     "claribi-server: rate limits: Redis at %s gave no answer within %lld ms, twice in a row; "
                     "reactor %d decides by the fallback (%s) for %lld ms, then tries again\n",
                     owner_.options_.endpoint.shown().c_str(), static_cast<long long>(owner_.options_.timeout_ms),
                     slot_, owner_.options_.fallback_local ? "local share" : "closed",
                     static_cast<long long>(kRetryAfterMs));
        slow_ = true;
      }
      retry_at_ = t + kRetryAfterMs;
    }
    answer_all_waiting(/*closing=*/false);
  }

  uint64_t no_reply_ms() const { return std::max<uint64_t>(kNoReplyMs, 2 * uint64_t(owner_.options_.timeout_ms)); }

  // Decides every check waiting now. They are taken first and told after:
  // telling one runs its request, and the connection's next request may
  // check again — appending to waiting_ (when Redis is still asked) while
  // this would be walking it.
  void answer_all_waiting(bool closing) {
    std::vector<std::pair<LimitWaiter*, LimitOutcome>> decided;
    for (Waiting& w : waiting_) {
      if (w.waiter == nullptr) continue;
      decided.emplace_back(w.waiter, closing ? unavailable() : owner_.fallback(w.bucket, w.limit));
      w.waiter = nullptr;
    }
    for (const auto& [waiter, outcome] : decided) waiter->on_limit(outcome);
  }

  void report_down(const std::string& why) {
    if (down_reported_) return;
    down_reported_ = true;
    std::fprintf(stderr, "claribi-server: rate limits: Redis at %s: %s; reactor %d decides by the fallback (%s)\n",
                 owner_.options_.endpoint.shown().c_str(), why.c_str(), slot_,
                 owner_.options_.fallback_local ? "local share" : "closed");
  }

  static void on_limit_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* self = static_cast<Client*>(privdata);
    auto* r = static_cast<redisReply*>(reply);
    if (r != nullptr && r->type != REDIS_REPLY_ERROR) {
      self->slow_ = false;
      self->timeouts_in_a_row_ = 0;
    }
    self->limit_reply(r);
  }

  static void on_setup_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* self = static_cast<Client*>(privdata);
    auto* r = static_cast<redisReply*>(reply);
    if (r != nullptr && r->type == REDIS_REPLY_ERROR) {
      self->report_down(std::string(r->str, r->len));
      // A refused AUTH or SELECT would leave checks going to the wrong place
      // or failing one by one: drop the connection, try again in a second.
      // Freed, not disconnected: hiredis frees it as soon as this callback
      // returns, answering the commands behind with no reply — so no second
      // connection is opened while this one still has replies owed to the
      // checks in waiting_.
      if (self->ac_ != nullptr) {
        redisAsyncContext* ac = self->ac_;
        self->ac_ = nullptr;
        self->connected_ = false;
        redisAsyncFree(ac);
      }
    }
  }

  static void on_heartbeat_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* self = static_cast<Client*>(privdata);
    auto* r = static_cast<redisReply*>(reply);
    if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer >= 1) {
      self->owner_.live_nodes_.store(uint32_t(std::min<long long>(r->integer, 1 << 20)), std::memory_order_relaxed);
    }
  }

  static void on_connect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Client*>(ac->data);
    if (status != REDIS_OK) {
      self->report_down(ac->errstr);
      self->ac_ = nullptr;  // hiredis frees the context after this callback
      self->connected_ = false;
      return;
    }
    self->connected_ = true;
    if (self->down_reported_) {
      std::fprintf(stderr, "claribi-server: rate limits: Redis at %s is back; reactor %d checks there again\n",
                   self->owner_.options_.endpoint.shown().c_str(), self->slot_);
    }
    self->down_reported_ = false;
    if (self->slot_ == 0) self->heartbeat();
  }

  static void on_disconnect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Client*>(ac->data);
    if (status != REDIS_OK) self->report_down(ac->errstr);
    if (self->ac_ == ac) self->ac_ = nullptr;  // freed by hiredis after this callback
    self->connected_ = false;
    if (!self->closing_) self->answer_all_waiting(false);
    self->waiting_.clear();
    if (self->closing_) self->close_timer();
  }

  static void on_timer(uv_timer_t* t) { static_cast<Client*>(t->data)->timed_out(); }

  // Outside hiredis callbacks: its remaining callbacks run now, with no reply.
  void free_context() {
    if (ac_ == nullptr) return;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    connected_ = false;
    redisAsyncFree(ac);
  }

  void close_timer() {
    if (timer_closed_) return;
    timer_closed_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  }

  RedisLimiter& owner_;
  int slot_;
  uv_loop_t* loop_ = nullptr;
  uv_timer_t timer_{};
  redisAsyncContext* ac_ = nullptr;
  bool connected_ = false;
  bool closing_ = false;
  bool timer_closed_ = false;
  bool slow_ = false;  // backed off (logged once until a reply)
  bool down_reported_ = false;
  int timeouts_in_a_row_ = 0;
  uint64_t retry_at_ = 0;  // clock_ms(); before it, the fallback decides
  uint64_t connect_started_ = 0;
  uint64_t sequence_ = 0;
  // Limit commands sent on the connection, oldest first (replies come in this
  // order). Only one connection exists at a time with replies owed: a context
  // is replaced only after it was freed, which answers all of its commands.
  std::deque<Waiting> waiting_;
  std::string key_buffer_;  // reused by send(): hiredis copies the command before returning
};

// ---------------------------------------------------------------------------

RedisLimiter::RedisLimiter(Options options, SlidingWindowLimiter& local)
    : options_(std::move(options)), local_(local) {
  uint8_t id[8];
  RAND_bytes(id, sizeof id);
  node_id_ = hex(id, sizeof id);
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const uint8_t*>(kLimitScript.data()), kLimitScript.size(), digest);
  script_sha_ = hex(digest, sizeof digest);
  for (int i = 0; i < std::max(1, options_.reactors); ++i) clients_.push_back(std::make_unique<Client>(*this, i));
}

RedisLimiter::~RedisLimiter() = default;

std::string RedisLimiter::resolve() {
  const RedisEndpoint& e = options_.endpoint;
  if (!e.socket_path.empty()) return "";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(e.host.c_str(), nullptr, &hints, &res); rc != 0) {
    return "cannot resolve the Redis host " + e.host + ": " + gai_strerror(rc);
  }
  char buf[NI_MAXHOST];
  int rc = getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(res);
  if (rc != 0) return "cannot resolve the Redis host " + e.host + ": " + gai_strerror(rc);
  address_ = buf;
  return "";
}

void RedisLimiter::attach(int slot, uv_loop_t* loop) { clients_[size_t(slot)]->attach(loop); }
void RedisLimiter::detach(int slot) { clients_[size_t(slot)]->detach(); }
void RedisLimiter::tick(int slot) { clients_[size_t(slot)]->tick(); }

bool RedisLimiter::check(int slot, std::string_view bucket, uint32_t limit, const WaiterMaker& make_waiter,
                         LimitOutcome* now) {
  return clients_[size_t(slot)]->check(bucket, limit, make_waiter, now);
}

LimitOutcome RedisLimiter::fallback(std::string_view bucket, uint32_t limit) const {
  if (!options_.fallback_local) return unavailable();
  LimitOutcome o;
  o.decider = LimitDecider::kLocalShare;
  uint32_t share = std::max<uint32_t>(1, limit / std::max<uint32_t>(1, live_nodes()));
  o.decision = local_.check(limiter_key("redis-share", bucket), share, int64_t(monotonic_ns() / 1'000'000));
  return o;
}

}  // namespace claribi::limit
