#include "fn/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/base64.h"
#include "common/http_client.h"
#include "fn/handler.h"
#include "fn_test_support.h"
#include "support/raw_http.h"

namespace faaslab::fn {
namespace {

using namespace std::chrono_literals;
using testing_support::astronaut_as;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = resolve_defaults(*parse_fn_config({}), 2);
    ServerOptions o;
    o.port = 0;  // any free port on 127.0.0.1
    o.workers = 2;
    o.max_body_bytes = 4u << 20;
    o.read_timeout = 2s;
    server_ = std::make_unique<FunctionServer>(o);
    ASSERT_TRUE(server_->start().ok());
    handler_ = std::make_unique<FunctionHandler>(testing_support::shared_pipeline(), config_);
  }
  void make_ready() {
    server_->set_handler([this](const FnRequest& r) { return handler_->handle(r); });
  }
  Result<HttpResponse> send(const std::string& method, const std::string& target,
                            const std::string& body = "", HeaderList headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers = std::move(headers);
    return http_request("127.0.0.1", server_->port(), r, 10s);
  }

  FnConfig config_;
  std::unique_ptr<FunctionServer> server_;
  std::unique_ptr<FunctionHandler> handler_;
};

TEST_F(ServerTest, HealthIs503UntilReadyThen200) {
  auto before = send("GET", "/_/health");
  ASSERT_TRUE(before.ok()) << before.error();
  EXPECT_EQ(before->status, 503);
  EXPECT_TRUE(nlohmann::json::parse(before->body).contains("error"));
  make_ready();
  auto after = send("GET", "/_/health");
  EXPECT_EQ(after->status, 200);
  EXPECT_FALSE(after->header("X-Duration-Seconds").empty());
}

TEST_F(ServerTest, ARequestBeforeReadyWaitsForTheModel) {
  std::atomic<int> status{0};
  std::thread early([&] {
    auto r = send("POST", "/", astronaut_as(".jpg"));
    status = r.ok() ? r->status : -1;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(status, 0) << "answered before the handler was set";
  make_ready();
  early.join();
  EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, ARequestBeforeReadyFailsWith503AfterTheReadTimeout) {
  auto r =
      send("POST", "/", astronaut_as(".jpg"));  // read_timeout is 2 s here, and no handler comes
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("not ready"), std::string::npos);
}

TEST_F(ServerTest, EveryFormatWithEveryHeader) {
  make_ready();
  const std::string png = astronaut_as(".png");
  const std::string b64 =
      base64_encode({reinterpret_cast<const std::uint8_t*>(png.data()), png.size()});
  struct Case {
    std::string target, body, content_type;
  } cases[] = {{"/", png, "image/png"},
               {"/?codec=jpeg", png, "image/jpeg"},
               {"/function/slblur", b64, "application/json"},
               {"/anything/at/all?format=seed", b64, "text/plain; charset=utf-8"}};
  for (const auto& c : cases) {
    auto r = send("POST", c.target, c.body);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->status, 200) << c.target << ": " << r->body.substr(0, 200);
    EXPECT_EQ(r->header("Content-Type"), c.content_type) << c.target;
    EXPECT_EQ(r->header("X-Faces"), "1") << c.target;
    for (const char* h : {"X-ML-Seconds", "X-Handler-Seconds", "X-Duration-Seconds"}) {
      EXPECT_GT(std::stod(r->header(h)), 0) << c.target << " " << h;
    }
    EXPECT_GE(std::stod(r->header("X-Duration-Seconds")),
              std::stod(r->header("X-Handler-Seconds")));
  }
  testing_support::SeedParse parsed;
  auto seed = send("POST", "/?format=seed", b64);
  ASSERT_TRUE(testing_support::parse_like_study_client(seed->body, parsed));
  EXPECT_EQ(parsed.img_lines, 1);
}

TEST_F(ServerTest, ErrorsAreJsonWithStatusAndHeaders) {
  make_ready();
  auto bad = send("POST", "/", "garbage!");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->header("Content-Type"), "application/json");
  EXPECT_EQ(bad->header("X-Faces"), "0");
  EXPECT_FALSE(bad->header("X-Duration-Seconds").empty());
  EXPECT_EQ(send("GET", "/")->status, 405);
  EXPECT_EQ(send("DELETE", "/x")->status, 405);
  EXPECT_EQ(send("POST", "/")->status, 400);  // empty body
}

TEST_F(ServerTest, OversizedBodyIs413BeforeTheBodyIsRead) {
  make_ready();
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  // Announce 100 MB and send none of it: the answer must come at once, from the header alone.
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  const std::string reply = c.read_until("\r\n\r\n", 2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  make_ready();
  testing::RawConnection c(server_->port());
  std::string req = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(1 << 20, 'A');
  for (int i = 0; i < 5; ++i) req += "100000\r\n" + chunk + "\r\n";
  c.send(req);
  const std::string reply = c.read_until("\r\n\r\n", 5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 100);
}

TEST_F(ServerTest, AnswersExpect100Continue) {
  make_ready();
  const std::string jpeg = astronaut_as(".jpg");
  testing::RawConnection c(server_->port());
  c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
         std::to_string(jpeg.size()) + "\r\n\r\n");
  const std::string interim = c.read_until("\r\n\r\n", 2s);
  ASSERT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
  c.send(jpeg);
  const std::string final_reply = c.read_until("HTTP/1.1 200", 10s);
  EXPECT_NE(final_reply.find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestsAre400AndClosed) {
  make_ready();
  testing::RawConnection c(server_->port());
  c.send("THIS IS NOT HTTP\r\n\r\n");
  const std::string reply = c.read_until("\r\n\r\n", 2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  testing::RawConnection big(server_->port());
  big.send("GET /_/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(big.read_until("\r\n\r\n", 2s).rfind("HTTP/1.1 431", 0), 0u);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  make_ready();
  HttpClient client("127.0.0.1", server_->port());
  HttpRequest r;
  r.method = "POST";
  r.body = astronaut_as(".jpg");
  for (int i = 0; i < 5; ++i) {
    auto res = client.send(r, 10s);
    ASSERT_TRUE(res.ok()) << res.error();
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(client.connected());
  }
  // The count goes up once a response is fully written, just after the client has it.
  for (int i = 0; i < 1000 && server_->requests_served() < 5; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(server_->requests_served(), 5u);
}

TEST_F(ServerTest, ThirtyTwoConcurrentRequestsAllSucceed) {
  make_ready();
  const std::string jpeg = astronaut_as(".jpg");
  std::atomic<int> ok{0}, faces{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back([&] {
      auto r = send("POST", "/", jpeg);
      if (r.ok() && r->status == 200) {
        ++ok;
        faces += std::stoi(r->header("X-Faces"));
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 32);
  EXPECT_EQ(faces, 32);
}

TEST_F(ServerTest, ShutdownDrainsInFlightRequests) {
  make_ready();
  const std::string jpeg = astronaut_as(".jpg");
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&] {
      auto r = send("POST", "/", jpeg);
      if (r.ok() && r->status == 200) ++ok;
    });
  }
  // Wait until the requests are in the server, then shut down while they are being processed.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server_->in_flight() + static_cast<int>(server_->requests_served()) < 6 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GT(server_->in_flight(), 0)
      << "the requests finished before the shutdown: nothing drained";
  EXPECT_EQ(server_->shutdown(10s), 0);
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 6);
  EXPECT_FALSE(server_->ready());
  // No longer accepting.
  EXPECT_FALSE(send("GET", "/_/health").ok());
}

}  // namespace
}  // namespace faaslab::fn
