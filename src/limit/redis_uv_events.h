// hiredis's event hooks on a libuv loop: one uv_poll_t per connection.
//
// Used instead of hiredis 0.14's own adapter (hiredis/adapters/libuv.h),
// which returns early when libuv reports a poll error (`if (status != 0)
// return;`): a connection reset by the peer (Redis killed with commands
// unread, a middlebox reset) then never reaches hiredis — no disconnect
// callback, no reconnect, every command left waiting. Here an error is handed
// to hiredis as the events that were armed, so its read or write meets the
// error and disconnects (what hiredis 1.x's adapter does).
#pragma once

#include <hiredis/async.h>
#include <uv.h>

namespace claribi::limit {

// Attaches `ac` to `loop`. REDIS_OK, or REDIS_ERR (the context stays unattached).
int attach_redis_to_loop(redisAsyncContext* ac, uv_loop_t* loop);

}  // namespace claribi::limit
