// Qsbr: retired objects are freed exactly when no online reader can still
// hold them, and an offline (idle) reader never holds reclamation up.
#include "index/qsbr.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <atomic>
#include <thread>
#include <vector>

namespace claribi::index {
namespace {

struct Freed {
  std::vector<int> ids;
  static void push(void* p) {
    auto* tag = static_cast<std::pair<Freed*, int>*>(p);
    tag->first->ids.push_back(tag->second);
    delete tag;
  }
};

void retire_tag(Qsbr& q, Freed& f, int id) { q.retire(new std::pair<Freed*, int>(&f, id), &Freed::push); }

TEST(Qsbr, RegisterHandsOutDistinctSlotsUntilFull) {
  Qsbr q(3);
  const int a = q.register_reader(), b = q.register_reader(), c = q.register_reader();
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
  EXPECT_EQ(q.register_reader(), -1);
  q.unregister_reader(b);
  EXPECT_EQ(q.register_reader(), b);
  EXPECT_FALSE(q.is_online(a));
}

TEST(Qsbr, NoReaderOnlineFreesAtOnce) {
  Qsbr q(2);
  Freed f;
  q.register_reader();  // registered but offline
  retire_tag(q, f, 1);
  retire_tag(q, f, 2);
  EXPECT_EQ(q.pending(), 2u);
  EXPECT_EQ(q.reclaim(), 2u);
  EXPECT_EQ(f.ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.pending(), 0u);
}

TEST(Qsbr, OnlineReaderHoldsUntilItPassesQuiescentState) {
  Qsbr q(2);
  Freed f;
  const int r = q.register_reader();
  q.online(r);
  retire_tag(q, f, 1);
  EXPECT_EQ(q.reclaim(), 0u);  // the reader may still hold 1
  EXPECT_EQ(q.reclaim(), 0u);
  q.quiescent(r);  // after a reclaim that followed the retire of 1
  retire_tag(q, f, 2);  // retired after that quiescent state
  EXPECT_EQ(q.reclaim(), 1u);
  EXPECT_EQ(f.ids, (std::vector<int>{1}));
  EXPECT_EQ(q.pending(), 1u);
  q.quiescent(r);
  EXPECT_EQ(q.reclaim(), 1u);
  EXPECT_EQ(f.ids, (std::vector<int>{1, 2}));
  q.offline(r);
}

TEST(Qsbr, SlowestReaderDecides) {
  Qsbr q(2);
  Freed f;
  const int fast = q.register_reader(), slow = q.register_reader();
  q.online(fast);
  q.online(slow);
  retire_tag(q, f, 1);
  q.reclaim();
  q.quiescent(fast);
  EXPECT_EQ(q.reclaim(), 0u);
  q.offline(slow);  // going offline is a quiescent state too
  EXPECT_EQ(q.reclaim(), 1u);
  q.offline(fast);
}

TEST(Qsbr, QuiescentWhileOfflineStaysOffline) {
  Qsbr q(1);
  const int r = q.register_reader();
  q.quiescent(r);
  EXPECT_FALSE(q.is_online(r));
  q.online(r);
  q.online(r);  // idempotent
  EXPECT_TRUE(q.is_online(r));
  q.offline(r);
  EXPECT_FALSE(q.is_online(r));
}

TEST(Qsbr, ReaderScopeIsOnlineForItsLifetime) {
  Qsbr q(1);
  Freed f;
  const int r = q.register_reader();
  {
    ReaderScope scope(q, r);
    EXPECT_TRUE(q.is_online(r));
    retire_tag(q, f, 7);
    EXPECT_EQ(q.reclaim(), 0u);
  }
  EXPECT_FALSE(q.is_online(r));
  EXPECT_EQ(q.reclaim(), 1u);
}

TEST(Qsbr, DestructorFreesWhatIsPending) {
  Freed f;
  {
    Qsbr q(1);
    const int r = q.register_reader();
    q.online(r);
    retire_tag(q, f, 1);
    q.reclaim();
    q.offline(r);
  }
  EXPECT_EQ(f.ids, (std::vector<int>{1}));
}

// The single-writer contract is asserted in debug builds: a writer call that
// starts while another is running (here: a deleter that retires) aborts.
TEST(QsbrDeathTest, OverlappingWriterCallsAssertInDebugBuilds) {
#ifdef NDEBUG
  GTEST_SKIP() << "the writer check compiles to nothing under NDEBUG";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Qsbr q(1);
        static Qsbr* self = &q;
        q.retire(nullptr, [](void*) { self->retire(nullptr, [](void*) {}); });
        q.reclaim();
      },
      "externally serialized");
#endif
}

// The reactor wiring documented in qsbr.h, on a real libuv loop. I/O
// callbacks run in the poll phase, between prepare and check; so the reactor
// goes offline in prepare (right before epoll may block) and online at
// callback entry. While it handles a callback it holds reclamation up; while
// it sits idle in epoll it does not.
struct Reactor {
  Qsbr* q = nullptr;
  int slot = -1;
  uv_loop_t loop{};
  uv_prepare_t prepare{};
  uv_check_t check{};
  uv_async_t wake{};
  uv_async_t stop{};
  std::atomic<int> prepares{0};
  std::atomic<bool> in_callback{false};
  std::atomic<bool> writer_done{false};
  std::atomic<bool> online_in_callback{false};
  std::atomic<bool> online_at_check{false};
};

TEST(Qsbr, LibuvReactorHoldsReclamationOnlyWhileInCallbacks) {
  Qsbr q(1);
  Freed f;
  Reactor r;
  r.q = &q;
  r.slot = q.register_reader();
  ASSERT_EQ(uv_loop_init(&r.loop), 0);
  r.loop.data = &r;
  uv_prepare_init(&r.loop, &r.prepare);
  uv_prepare_start(&r.prepare, [](uv_prepare_t* h) {
    auto* re = static_cast<Reactor*>(h->loop->data);
    re->q->offline(re->slot);
    re->prepares.fetch_add(1);
  });
  uv_check_init(&r.loop, &r.check);
  uv_check_start(&r.check, [](uv_check_t* h) {
    auto* re = static_cast<Reactor*>(h->loop->data);
    if (re->in_callback.load() && re->q->is_online(re->slot)) re->online_at_check = true;
    re->q->quiescent(re->slot);
  });
  uv_async_init(&r.loop, &r.wake, [](uv_async_t* h) {
    auto* re = static_cast<Reactor*>(h->loop->data);
    re->q->online(re->slot);  // callback entry
    re->online_in_callback = re->q->is_online(re->slot);
    re->in_callback = true;
    while (!re->writer_done.load()) std::this_thread::yield();
  });
  uv_async_init(&r.loop, &r.stop, [](uv_async_t* h) {
    auto* re = static_cast<Reactor*>(h->loop->data);
    for (uv_handle_t* x : {reinterpret_cast<uv_handle_t*>(&re->prepare), reinterpret_cast<uv_handle_t*>(&re->check),
                           reinterpret_cast<uv_handle_t*>(&re->wake), reinterpret_cast<uv_handle_t*>(&re->stop)}) {
      uv_close(x, nullptr);
    }
  });
  std::thread loop_thread([&r] { uv_run(&r.loop, UV_RUN_DEFAULT); });

  auto wait_idle = [&](int prepares_before) {
    while (r.prepares.load() <= prepares_before || q.is_online(r.slot)) std::this_thread::yield();
  };
  wait_idle(0);
  // Idle in epoll: nothing held up.
  retire_tag(q, f, 1);
  EXPECT_EQ(q.reclaim(), 1u);

  // Inside an I/O callback the reactor is online and holds what it may see.
  const int prepares = r.prepares.load();
  uv_async_send(&r.wake);
  while (!r.in_callback.load()) std::this_thread::yield();
  retire_tag(q, f, 2);
  EXPECT_EQ(q.reclaim(), 0u);
  r.writer_done = true;

  // Back to idle: freed.
  wait_idle(prepares);
  EXPECT_EQ(q.reclaim(), 1u);
  EXPECT_EQ(f.ids, (std::vector<int>{1, 2}));
  EXPECT_TRUE(r.online_in_callback.load());
  // Check handles run after the I/O callbacks of the same iteration: going
  // online there would come too late.
  EXPECT_TRUE(r.online_at_check.load());

  uv_async_send(&r.stop);
  loop_thread.join();
  EXPECT_EQ(uv_loop_close(&r.loop), 0);
}

}  // namespace
}  // namespace claribi::index
