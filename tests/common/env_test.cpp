#include "common/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace faaslab {
namespace {

TEST(Env, LaterEntriesWinAndEmptyIsUnset) {
  const Env env({"a=1", "b=", "a=2", "=x", "noequals", "c=x=y"});
  EXPECT_EQ(env.get("a"), "2");
  EXPECT_FALSE(env.get("b"));
  EXPECT_EQ(env.get("c"), "x=y");
  EXPECT_FALSE(env.get("noequals"));
  EXPECT_EQ(env.get_or("missing", "d"), "d");
}

TEST(Env, CoresIsPositive) {
  EXPECT_GE(available_cores(), 1);
}

// docs/security.md: state directories (the gateway's, the sweep's) are made by mkdtemp: a fresh
// name each time, mode 0700 whatever the umask, owned by this user, removed with their contents.
TEST(PrivateTempDir, IsNewOwnerOnlyAndRemovedWithItsContents) {
  namespace fs = std::filesystem;
  const fs::path tmp =
      fs::temp_directory_path() / ("faaslab-env-test-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  const mode_t old_umask = ::umask(0);
  auto a = PrivateTempDir::create("faaslab-up-1-");
  auto b = PrivateTempDir::create("faaslab-up-1-");
  ::umask(old_umask);
  if (old_tmpdir) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_NE(a->path(), b->path()) << "a new directory each time";
  for (const auto* d : {&*a, &*b}) {
    EXPECT_EQ(fs::path(d->path()).parent_path(), tmp);
    EXPECT_EQ(fs::path(d->path()).filename().string().rfind("faaslab-up-1-", 0), 0u) << d->path();
    struct stat st {};
    ASSERT_EQ(::stat(d->path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u) << d->path() << " even with umask 0";
    EXPECT_EQ(st.st_uid, ::geteuid());
  }
  const std::string a_path = a->path();
  fs::create_directories(fs::path(a_path) / "replica-1");
  std::ofstream(fs::path(a_path) / "replica-1" / "file") << "x";
  PrivateTempDir moved = std::move(*a);
  EXPECT_EQ(moved.path(), a_path);
  EXPECT_TRUE(a->path().empty());
  EXPECT_TRUE(fs::exists(a_path)) << "moving does not remove it";
  moved = PrivateTempDir();
  EXPECT_FALSE(fs::exists(a_path)) << "removed with its contents";
  EXPECT_FALSE(PrivateTempDir::create("no/such/dir/x-").ok());
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace faaslab
