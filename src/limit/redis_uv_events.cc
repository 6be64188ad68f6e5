#include "limit/redis_uv_events.h"

#include <hiredis/hiredis.h>

namespace claribi::limit {

namespace {

struct PollEvents {
  redisAsyncContext* context;  // null once hiredis cleaned up (the handle is closing)
  uv_poll_t handle;
  int events = 0;  // armed: UV_READABLE | UV_WRITABLE
};

void on_poll(uv_poll_t* handle, int status, int ready) {
  auto* p = static_cast<PollEvents*>(handle->data);
  // On an error libuv reports no events (and stops the poll): let hiredis
  // try what it was waiting for, and meet the error itself.
  const int ev = status < 0 ? p->events : ready;
  if (p->context != nullptr && (ev & UV_READABLE) != 0) redisAsyncHandleRead(p->context);
  if (p->context != nullptr && (ev & UV_WRITABLE) != 0) redisAsyncHandleWrite(p->context);
}

void arm(PollEvents* p, int events) {
  p->events = events;
  if (events != 0) {
    uv_poll_start(&p->handle, events, on_poll);
  } else {
    uv_poll_stop(&p->handle);
  }
}

void add_read(void* data) {
  auto* p = static_cast<PollEvents*>(data);
  arm(p, p->events | UV_READABLE);
}
void del_read(void* data) {
  auto* p = static_cast<PollEvents*>(data);
  arm(p, p->events & ~UV_READABLE);
}
void add_write(void* data) {
  auto* p = static_cast<PollEvents*>(data);
  arm(p, p->events | UV_WRITABLE);
}
void del_write(void* data) {
  auto* p = static_cast<PollEvents*>(data);
  arm(p, p->events & ~UV_WRITABLE);
}

void cleanup(void* data) {  // hiredis is freeing the context
  auto* p = static_cast<PollEvents*>(data);
  p->context = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle),
           [](uv_handle_t* h) { delete static_cast<PollEvents*>(h->data); });
}

}  // namespace

int attach_redis_to_loop(redisAsyncContext* ac, uv_loop_t* loop) {
  if (ac->ev.data != nullptr) return REDIS_ERR;
  auto* p = new PollEvents{ac, {}, 0};
  if (uv_poll_init(loop, &p->handle, ac->c.fd) != 0) {
    delete p;
    return REDIS_ERR;
  }
  p->handle.data = p;
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  ac->ev.data = p;
  return REDIS_OK;
}

}  // namespace claribi::limit
