// run_on_worker: blocking work (argon2, analytics scans) on libuv's worker
// pool, then a continuation back on the reactor's loop. Never block a
// reactor.
#pragma once

#include <uv.h>

#include <functional>

namespace claribi::net {

class Reactor;

void run_on_worker(Reactor& reactor, std::function<void()> work, std::function<void()> then);

}  // namespace claribi::net
