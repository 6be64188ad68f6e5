// RedisLimiter: §7's sliding windows shared by every node of a cluster
// (rate_limits.backend = "redis"), so no rolling 60 s ever admits more than a
// credential's limit across all nodes.
//
// Per credential one sorted set in Redis holds the admitted requests of the
// last window, scored by Redis's own clock (TIME, in ms — never a node's). One
// Lua script (EVALSHA; EVAL when Redis answers NOSCRIPT) trims the set to the
// window, counts it, admits when below the limit, sets the set's expiry and
// returns the §7 figures; a script runs atomically, so two nodes can never
// both take the last place. The window rule is the local limiter's: a request
// at least one window old no longer counts.
//
// Each reactor has its own connection on its own loop (hiredis on our own
// libuv hooks, redis_uv_events.h), so a check is a pipelined command and its
// reply a loop event: the reactor never blocks, and replies come back in the
// order the checks went out. A check that gets no reply within
// rate_limits.redis_timeout_ms — or any check while the connection is down,
// or for a second after two timeouts in a row — is decided by the fallback
// (a connection with commands out and no reply for 2 s is replaced): `local` counts the
// request on this node's local limiter against its share of the limit
// (limit / live nodes, at least 1; the live nodes are the ones whose heartbeat
// — a sorted set of node ids scored by Redis time, written every second —
// is newer than 5 s); `closed` refuses it (503). On a timeout every check
// still waiting on that reactor is decided at once, so the requests of one
// connection keep their order.
//
// Threads: attach/detach/tick/check for a slot run on that reactor's thread
// only; live_nodes() anywhere.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/redis_url.h"
#include "limit/sliding_window_limiter.h"

namespace claribi::limit {

enum class LimitVerdict : uint8_t {
  kDecided,      // the decision holds (admitted or not)
  kUnavailable,  // fallback "closed": Redis could not decide; answer 503
};

// Who decided a check (for the metrics).
enum class LimitDecider : uint8_t { kRedis, kLocalShare, kClosed };
inline constexpr size_t kLimitDeciderCount = 3;

struct LimitOutcome {
  LimitDecision decision;
  LimitVerdict verdict = LimitVerdict::kDecided;
  LimitDecider decider = LimitDecider::kRedis;
};

// Told the outcome of a check that could not be decided at once: later, on
// the reactor thread, from the loop (never inside check()).
class LimitWaiter {
 public:
  virtual void on_limit(const LimitOutcome& outcome) = 0;

 protected:
  ~LimitWaiter() = default;
};

class RedisLimiter {
 public:
  struct Options {
    RedisEndpoint endpoint;  // config/redis_url.h
    int64_t timeout_ms = 5;
    bool fallback_local = true;  // false: closed
    int64_t window_ms = 60'000;
    std::string key_prefix = "claribi:";  // every key this server writes starts with it
    int reactors = 1;
  };

  // `local` is the node's own limiter, used for the fallback shares.
  RedisLimiter(Options options, SlidingWindowLimiter& local);
  ~RedisLimiter();
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  // Resolves the host (blocking: call before the reactors start). "" or why not.
  std::string resolve();

  // On reactor `slot`'s thread: connect on its loop / close the connection
  // (checks still waiting are answered kUnavailable) / once a second:
  // reconnect when down, and slot 0 writes the node's heartbeat.
  void attach(int slot, uv_loop_t* loop);
  void detach(int slot);
  void tick(int slot);

  // Makes the waiter of a check that went to Redis (only then: a check
  // decided at once costs no waiter).
  struct WaiterMaker {
    LimitWaiter* (*make)(void* arg);
    void* arg;
  };

  // Counts one request for `bucket` (e.g. "key:12") against `limit` per
  // window. Returns true with *now filled when decided at once (the
  // fallback); false when sent to Redis: the waiter make_waiter made is told
  // the answer later, through on_limit.
  bool check(int slot, std::string_view bucket, uint32_t limit, const WaiterMaker& make_waiter, LimitOutcome* now);

  // Nodes with a heartbeat in the last 5 s as last seen (1 until known).
  uint32_t live_nodes() const { return live_nodes_.load(std::memory_order_relaxed); }
  const std::string& node_id() const { return node_id_; }
  std::string endpoint_shown() const { return options_.endpoint.shown(); }

  class Client;  // one reactor's connection (redis_limiter.cc)

 private:
  friend class Client;
  LimitOutcome fallback(std::string_view bucket, uint32_t limit) const;

  Options options_;
  SlidingWindowLimiter& local_;
  std::string address_;      // resolved numeric host
  std::string node_id_;      // random per process: heartbeat member, log members
  std::string script_sha_;   // SHA-1 of the limit script (EVALSHA)
  std::atomic<uint32_t> live_nodes_{1};
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace claribi::limit
