// DataDirLock: one server per data directory, whichever storage backend.
#include "server/data_dir_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "unit/storage/temp_dir.h"

namespace claribi::server {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(DataDirLock, SecondHolderRefusedWithTheFirstOnesPid) {
  storage::testing::TempDir dir;
  auto first = DataDirLock::Acquire(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(read_file(dir.sub("server.lock")), std::to_string(::getpid()) + "\n");

  auto second = DataDirLock::Acquire(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another claribi-server (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << second.status().message();
}

TEST(DataDirLock, ReleasedWhenTheHolderGoes) {
  storage::testing::TempDir dir;
  { auto first = DataDirLock::Acquire(dir.path()); ASSERT_TRUE(first.ok()); }
  auto again = DataDirLock::Acquire(dir.path());
  EXPECT_TRUE(again.ok()) << again.status().message();
}

// A holder that dies without cleaning up (like a SIGKILLed server) leaves the
// file but not the lock.
TEST(DataDirLock, ProcessThatDiedLeavesNoStaleLock) {
  storage::testing::TempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = DataDirLock::Acquire(dir.path());
    char c = held.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto while_alive = DataDirLock::Acquire(dir.path());
  EXPECT_FALSE(while_alive.ok());  // the control: the child's lock is seen
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  auto after = DataDirLock::Acquire(dir.path());
  EXPECT_TRUE(after.ok()) << after.status().message();
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(DataDirLock, MissingDirectoryIsAnError) {
  auto lock = DataDirLock::Acquire("/nonexistent/claribi-data");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace claribi::server
