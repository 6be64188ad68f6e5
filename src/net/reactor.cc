#include "net/reactor.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "common/time_util.h"
#include "net/connection.h"

namespace claribi::net {

namespace {
thread_local Reactor* t_current = nullptr;
constexpr size_t kMaxPooledExchanges = 1024;
constexpr uint64_t kLogFlushMs = 200;
}  // namespace

void Exchange::reset() {
  session_ = nullptr;
  request_ = nullptr;
  consumer_ = nullptr;
  watcher_ = nullptr;
  finish_flag_ = nullptr;
  response_.reset();
  cors_ = {};
  done_ = false;
  head_only_ = false;
  keep_alive_ = true;
  http10_ = false;
  secure_ = false;
  start_ns_ = 0;
  bytes_out_ = 0;
  request_id_len_ = 0;
  client_address_len_ = 0;
  method_len_ = 0;
  path_len_ = 0;
  next_free_ = nullptr;
}

Reactor::Reactor(int index, const NetOptions& opts, NetShared& shared, RequestHandler& handler,
                 TlsContext* tls, AccessLogWriter* log_writer)
    : index_(index),
      opts_(opts),
      shared_(shared),
      handler_(handler),
      tls_(tls),
      access_log_(log_writer, opts.access_log, opts.access_log_sample_every),
      metrics_(opts.metric_routes) {
  uv_loop_init(&loop_);
  loop_.data = this;
  uv_async_init(&loop_, &async_, on_async);
  async_.data = this;
  uv_timer_init(&loop_, &tick_timer_);
  tick_timer_.data = this;
  uv_timer_init(&loop_, &flush_timer_);
  flush_timer_.data = this;
  uv_timer_init(&loop_, &deadline_timer_);
  deadline_timer_.data = this;
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
}

Reactor::~Reactor() {
  if (!started_) {
    // Built but never run (start-up failed later on, or a benchmark drove
    // sessions on it directly): close the handles so the loop can close.
    for (Listener* l : listeners_) uv_close(reinterpret_cast<uv_handle_t*>(&l->handle), nullptr);
    close_all_handles();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  while (free_exchanges_ != nullptr) {
    Exchange* e = free_exchanges_;
    free_exchanges_ = e->next_free_;
    delete e;
  }
  for (Listener* l : listeners_) delete l;
  uv_loop_close(&loop_);
}

Reactor* Reactor::current() { return t_current; }

Status Reactor::add_listener(int fd, ListenerKind kind) {
  auto* l = new Listener{};
  l->reactor = this;
  l->kind = kind;
  uv_tcp_init(&loop_, &l->handle);
  l->handle.data = l;
  if (int r = uv_tcp_open(&l->handle, fd); r != 0) {
    delete l;
    return Status::IoError(std::string("uv_tcp_open: ") + uv_strerror(r));
  }
  listeners_.push_back(l);  // closed with the reactor, listening or not
  if (int r = uv_listen(reinterpret_cast<uv_stream_t*>(&l->handle), 1024, on_connection); r != 0) {
    return Status::IoError(std::string("uv_listen: ") + uv_strerror(r));
  }
  return Status::Ok();
}

void Reactor::set_thread_hooks(std::function<void()> on_start, std::function<void()> before_poll,
                               std::function<void()> on_exit) {
  on_start_ = std::move(on_start);
  before_poll_ = std::move(before_poll);
  on_exit_ = std::move(on_exit);
}

void Reactor::add_tick(std::function<void(int64_t)> fn) { ticks_.push_back(std::move(fn)); }
void Reactor::add_close_hook(std::function<void()> fn) { close_hooks_.push_back(std::move(fn)); }

void Reactor::start() {
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

void Reactor::join() {
  if (thread_.joinable()) thread_.join();
}

void Reactor::run() {
  t_current = this;
  if (opts_.pin_threads) {
    cpu_set_t set;
    CPU_ZERO(&set);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);  // more reactors than cores wrap around
    CPU_SET(size_t(index_) % size_t(cores > 0 ? cores : 1) % CPU_SETSIZE, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  date_.update(unix_now());
  uv_timer_start(&tick_timer_, on_tick, 1000 - uint64_t(unix_now_ms() % 1000), 1000);
  uv_timer_start(&flush_timer_, [](uv_timer_t* t) { static_cast<Reactor*>(t->data)->access_log_.flush(); },
                 kLogFlushMs, kLogFlushMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&flush_timer_));
  uv_prepare_start(&prepare_, on_prepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  if (on_start_) on_start_();
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (on_exit_) on_exit_();
  access_log_.flush();
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    stopped_ = true;
    posted_.clear();
  }
  t_current = nullptr;
}

void Reactor::run_once() {
  Reactor* outer = t_current;
  t_current = this;
  uv_run(&loop_, UV_RUN_ONCE);
  t_current = outer;
}

void Reactor::on_prepare(uv_prepare_t* h) {
  auto* r = static_cast<Reactor*>(h->data);
  if (r->before_poll_) r->before_poll_();
}

void Reactor::on_tick(uv_timer_t* t) {
  auto* r = static_cast<Reactor*>(t->data);
  int64_t now = unix_now();
  r->date_.update(now);
  for (auto& fn : r->ticks_) fn(now);
}

void Reactor::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    if (stopped_) return;
    posted_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void Reactor::on_async(uv_async_t* h) {
  auto* r = static_cast<Reactor*>(h->data);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(r->post_mu_);
    batch.swap(r->posted_);
  }
  for (auto& fn : batch) fn();
}

void Reactor::on_connection(uv_stream_t* server, int status) {
  auto* l = static_cast<Listener*>(server->data);
  Reactor* r = l->reactor;
  if (status < 0 || r->shutting_down_) return;
  auto* c = new Connection(*r, l->kind);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(c->tcp())) != 0) {
    c->force_close();
    return;
  }
  // Over the connection limit: close at once rather than queue forever.
  if (r->shared_.connections.load(std::memory_order_relaxed) >= r->opts_.max_connections) {
    c->force_close();
    return;
  }
  c->start();
}

void Reactor::connection_opened(Connection* c) {
  shared_.connections.fetch_add(1, std::memory_order_relaxed);
  metrics_.connections_opened.add();
  c->prev = nullptr;
  c->next = connections_;
  if (connections_ != nullptr) connections_->prev = c;
  connections_ = c;
}

void Reactor::connection_closed(Connection* c) {
  // A connection closed before start() was never counted or linked.
  bool linked = c->prev != nullptr || c->next != nullptr || connections_ == c;
  if (!linked) return;
  shared_.connections.fetch_sub(1, std::memory_order_relaxed);
  metrics_.connections_closed.add();
  if (c->prev != nullptr) c->prev->next = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  if (connections_ == c) connections_ = c->next;
  c->prev = c->next = nullptr;
  maybe_finish_shutdown();
}

Exchange* Reactor::acquire_exchange() {
  Exchange* e = free_exchanges_;
  if (e != nullptr) {
    free_exchanges_ = e->next_free_;
    --free_exchange_count_;
    e->next_free_ = nullptr;
    return e;
  }
  return new Exchange();
}

void Reactor::release_exchange(Exchange* ex) {
  if (free_exchange_count_ >= kMaxPooledExchanges || ex->response_.body.capacity() > (1u << 20)) {
    delete ex;
    return;
  }
  ex->reset();
  ex->next_free_ = free_exchanges_;
  free_exchanges_ = ex;
  ++free_exchange_count_;
}

void Reactor::exchange_completed() {
  --outstanding_exchanges_;
  if (shutting_down_) maybe_finish_shutdown();
}

void Reactor::begin_shutdown(uint64_t grace_ms) {
  post([this, grace_ms] { do_shutdown(grace_ms); });
}

void Reactor::do_shutdown(uint64_t grace_ms) {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (Listener* l : listeners_) uv_close(reinterpret_cast<uv_handle_t*>(&l->handle), nullptr);
  // Idle connections close now; busy ones after their responses.
  for (Connection* c = connections_; c != nullptr;) {
    Connection* next = c->next;
    c->drain();
    c = next;
  }
  uv_timer_start(&deadline_timer_, [](uv_timer_t* t) {
    auto* r = static_cast<Reactor*>(t->data);
    for (Connection* c = r->connections_; c != nullptr;) {
      Connection* next = c->next;
      c->force_close();
      c = next;
    }
    r->close_all_handles();
  }, grace_ms, 0);
  maybe_finish_shutdown();
}

void Reactor::maybe_finish_shutdown() {
  if (!shutting_down_ || connections_ != nullptr || outstanding_exchanges_ > 0) return;
  close_all_handles();
}

void Reactor::close_all_handles() {
  if (handles_closed_) return;
  handles_closed_ = true;
  {
    // From now on post() drops work instead of signalling a closing handle.
    std::lock_guard<std::mutex> lock(post_mu_);
    stopped_ = true;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&deadline_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  Reactor* outer = t_current;
  t_current = this;  // the hooks may finish exchanges (destruction runs off the reactor thread)
  for (auto& hook : close_hooks_) hook();
  t_current = outer;
}

}  // namespace claribi::net
