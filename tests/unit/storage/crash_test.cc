// Crash durability: a child process writes through the GroupCommitWriter and
// reports every acknowledged write on a pipe; the test SIGKILLs it mid-stream
// (no destructor, no clean close), reopens the database and checks that
//   - every acknowledged batch is there, whole;
//   - no batch is there in part (each one is 50 records + 1);
//   - new ids start after every id that reached the disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <semaphore>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/keys.h"
#include "unit/storage/temp_dir.h"

namespace claribi::storage {
namespace {

constexpr const char* kDbEnv = "CLARIBI_STORAGE_CRASH_DB";
constexpr int kAckFd = 3;
constexpr int kRecordsPerBatch = 50;

// Run only as the child (see below): writes until killed.
TEST(StorageCrash, DISABLED_WriterChild) {
  const char* path = std::getenv(kDbEnv);
  if (path == nullptr) GTEST_SKIP() << "only runs as the crash test's child";
  DatabaseOptions o;
  o.path = path;
  auto db = Database::Open(o);
  ASSERT_TRUE(db.ok()) << db.status().message();
  GroupCommitWriter writer(**db);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::binary_semaphore done(0);
      for (;;) {  // one write in flight per thread, like a request
        uint64_t id = (*db)->AllocateId(Sequence::kUser);
        Batch b;
        for (int j = 0; j < kRecordsPerBatch; ++j)
          b.Put(Family::kDashboards, org_key(id, static_cast<uint64_t>(j)), std::string(64, 'd'));
        b.Put(Family::kUsers, org_key(1, id), "user");
        writer.Submit(std::move(b), [id, &done](Status s) {
          if (s.ok()) {
            std::string line = std::to_string(id) + "\n";
            if (::write(kAckFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(2);
          }
          done.release();
        });
        done.acquire();
      }
    });
  }
  for (auto& th : threads) th.join();  // never: the parent kills us
}

TEST(StorageCrash, AcknowledgedWritesSurviveSigkillAndBatchesAreAtomic) {
  testing::TempDir dir;
  const std::string path = dir.sub("db");

  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  exe[n] = '\0';
  // Everything the child needs is built before fork (only async-signal-safe
  // calls between fork and exec).
  std::string filter = "--gtest_filter=StorageCrash.DISABLED_WriterChild";
  std::string disabled = "--gtest_also_run_disabled_tests";
  std::vector<char*> argv = {exe, filter.data(), disabled.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(std::string(kDbEnv) + "=" + path);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int devnull = ::open("/dev/null", O_WRONLY);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], kAckFd);
    ::dup2(devnull, STDOUT_FILENO);
    ::execve(exe, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(devnull);
  ASSERT_GT(pid, 0);

  // Collect acknowledgements until we have enough, then kill the child.
  std::set<uint64_t> acked;
  std::string pending;
  auto drain = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r <= 0) return false;
    pending.append(buf, static_cast<size_t>(r));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      acked.insert(std::stoull(pending.substr(0, nl)));
      pending.erase(0, nl + 1);
    }
    return true;
  };
  while (acked.size() < 400 && drain(30000)) {
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child exited on its own: status " << status;
  while (drain(1000)) {  // acks already in the pipe when it died count too
  }
  ::close(fds[0]);
  ASSERT_GE(acked.size(), 400u) << "the child did not make progress";

  DatabaseOptions o;
  o.path = path;
  auto reopened = Database::Open(o);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  Database& db = **reopened;

  std::map<uint64_t, int> records_per_batch;
  ASSERT_TRUE(db.ForEachPrefix(Family::kDashboards, "", [&](std::string_view key, std::string_view) {
                  uint64_t id = 0, j = 0;
                  EXPECT_TRUE(decode_org_key(key, &id, &j));
                  ++records_per_batch[id];
                  return true;
                }).ok());
  std::set<uint64_t> users;
  ASSERT_TRUE(db.ForEachPrefix(Family::kUsers, org_prefix(1), [&](std::string_view key, std::string_view) {
                  uint64_t org = 0, id = 0;
                  EXPECT_TRUE(decode_org_key(key, &org, &id));
                  users.insert(id);
                  return true;
                }).ok());

  for (uint64_t id : acked) {
    EXPECT_EQ(records_per_batch[id], kRecordsPerBatch) << "acknowledged batch " << id << " lost or torn";
    EXPECT_EQ(users.count(id), 1u) << "acknowledged user " << id << " lost";
  }
  uint64_t max_on_disk = 0;
  for (auto [id, count] : records_per_batch) {
    EXPECT_EQ(count, kRecordsPerBatch) << "batch " << id << " is torn";
    EXPECT_EQ(users.count(id), 1u) << "batch " << id << " is torn";
    max_on_disk = std::max(max_on_disk, id);
  }
  EXPECT_EQ(users.size(), records_per_batch.size());
  EXPECT_GE(max_on_disk, *acked.rbegin());
  uint64_t next = db.AllocateId(Sequence::kUser);
  EXPECT_GT(next, max_on_disk) << "an id on disk would be handed out again";
}

}  // namespace
}  // namespace claribi::storage
