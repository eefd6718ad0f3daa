// The fork server's protocol (common/fork_server.h): messages round-trip, malformed ones are
// refused, descriptors travel with them, and the template's descriptor is checked.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fork_server.h"

namespace faaslab::fork_server {
namespace {

TEST(ForkProtocol, MessagesRoundTrip) {
  const auto ready = decode_ready(encode(Ready{1234, 1}));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->pid, 1234);
  EXPECT_EQ(ready->threads, 1);
  const auto run =
      decode_run(encode(fork_server::Run{7, {"Http_Query=a=b&c", "Http_Path=/x y", "E="}}));
  ASSERT_TRUE(run);
  EXPECT_EQ(run->id, 7u);
  EXPECT_EQ(run->env, (EnvList{"Http_Query=a=b&c", "Http_Path=/x y", "E="}));
  EXPECT_TRUE(decode_run(encode(fork_server::Run{8, {}}))->env.empty());
  const auto started = decode_started(encode(Started{9, 4321}));
  ASSERT_TRUE(started);
  EXPECT_EQ(started->id, 9u);
  EXPECT_EQ(started->pid, 4321);
  const auto failed = decode_failed(encode(Failed{10, "fork: Resource temporarily unavailable"}));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->reason, "fork: Resource temporarily unavailable");
  const auto exited = decode_exited(encode(Exited{11, -1, 9}));
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->code, -1);
  EXPECT_EQ(exited->signal, 9);
}

TEST(ForkProtocol, MalformedMessagesAreRefused) {
  for (const char* text :
       {"", "ready", "ready 1", "ready 1 2 3", "ready x 1", "readyy 1 1", "started 1",
        "started -1 2", "exited 1 2", "exited 1 2 3 4", "failed x why"})
    EXPECT_FALSE(decode_ready(text) || decode_started(text) || decode_exited(text) ||
                 decode_failed(text))
        << text;
  using namespace std::string_literals;
  for (const std::string& text : {"run 1"s, "run x\n"s, "run 1\nNOEQUALS\0"s, "run 1\nA=1"s,
                                  "run 1\n=value\0"s, "run 1 2\n"s})
    EXPECT_FALSE(decode_run(text)) << text;
}

TEST(ForkProtocol, DescriptorsTravelWithTheMessage) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const int fds[1] = {p[1]};
  ASSERT_TRUE(send_message(sv[0], "started 1 2", fds));
  ::close(p[1]);
  auto got = receive_message(sv[1]);
  ASSERT_TRUE(got) << got.error();
  ASSERT_EQ(got->what, Receive::kMessage);
  EXPECT_EQ(got->message.text, "started 1 2");
  ASSERT_EQ(got->message.fds.size(), 1u);
  ASSERT_EQ(::write(got->message.fds[0], "hi", 2), 2);  // the same pipe
  ::close(got->message.fds[0]);
  char buf[4] = {};
  EXPECT_EQ(::read(p[0], buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "hi");
  ::close(p[0]);
  // Nothing more: kNothing; the peer gone: kClosed.
  EXPECT_EQ(receive_message(sv[1])->what, Receive::kNothing);
  ::close(sv[0]);
  EXPECT_EQ(receive_message(sv[1])->what, Receive::kClosed);
  ::close(sv[1]);
}

TEST(ForkProtocol, TheTemplateDescriptorIsChecked) {
  EXPECT_FALSE(template_fd({}).value());  // not a template
  EXPECT_FALSE(template_fd({"FAASLAB_FORK_FD=x"}).ok());
  EXPECT_FALSE(template_fd({"FAASLAB_FORK_FD=-1"}).ok());
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const auto not_socket = template_fd({"FAASLAB_FORK_FD=" + std::to_string(p[0])});
  EXPECT_FALSE(not_socket.ok());
  EXPECT_NE(not_socket.error().find("fork mode"), std::string::npos) << not_socket.error();
  ::close(p[0]);
  ::close(p[1]);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  const auto ok = template_fd({"FAASLAB_FORK_FD=" + std::to_string(sv[0])});
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(**ok, sv[0]);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(ForkProtocol, ThisProcessCountsItsThreads) {
  EXPECT_GE(thread_count(), 1);
}

}  // namespace
}  // namespace faaslab::fork_server
