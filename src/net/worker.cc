#include "net/worker.h"

#include "net/reactor.h"

namespace claribi::net {

namespace {
struct WorkItem {
  uv_work_t req;
  std::function<void()> work;
  std::function<void()> then;
};
}  // namespace

void run_on_worker(Reactor& reactor, std::function<void()> work, std::function<void()> then) {
  auto* item = new WorkItem{{}, std::move(work), std::move(then)};
  item->req.data = item;
  int r = uv_queue_work(
      reactor.loop(), &item->req, [](uv_work_t* w) { static_cast<WorkItem*>(w->data)->work(); },
      [](uv_work_t* w, int) {
        auto* it = static_cast<WorkItem*>(w->data);
        it->then();
        delete it;
      });
  if (r != 0) {  // cannot queue: do it here rather than never
    item->work();
    item->then();
    delete item;
  }
}

}  // namespace claribi::net
