// model_campaign: a small closed-loop campaign against the embedded runtime, recorded in the
// results database's schema (docs/results-db.md), so `faaslab model fit|validate` can be
// checked on real measurements of the face-blur function on this machine.
//
// It exists because the campaign runner (`faaslab sweep`) and the load generator were not on
// this branch when the model was validated; it does the least a sweep does: it starts
// `faaslab up -f deploy/stack.yml`, and for every (function, users, think) of its grid and
// every repetition runs N user threads, each thinking (constant) before each request and then
// POSTing the study's payload (base64 of a 1308x888 PNG of the test video's frame) with a
// synchronous keep-alive client; response time is measured from the intended start; the
// handler's time is read from the `Total time:` line of the study's `seed` response.
//
//   build/bin/model_campaign --db /tmp/campaign.db --users 1,2,4,8,16 --think 0.5s,2s
//       --requests 20 --repetitions 2   (one line)
//   build/bin/faaslab model validate /tmp/campaign.db --runs 'users=1|8'
//
// Figures: docs/model.md, "Validation on this machine".
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "common/base64.h"
#include "common/http_client.h"
#include "common/subprocess.h"
#include "common/units.h"
#include "experiment/machine_info.h"
#include "experiment/results_db.h"
#include "experiment/summaries.h"

namespace {

using namespace faaslab;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The handler's time from a `seed` body ("Total time: 0.0215") or the header.
std::optional<double> handler_seconds(const HttpResponse& r) {
  const auto h = r.header("X-Handler-Seconds");
  if (!h.empty()) return std::stod(h);
  const auto at = r.body.find("Total time:");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(r.body.substr(at + 11));
}

struct Args {
  std::string db = "/tmp/faaslab-model-campaign.db";
  std::string stack = "deploy/stack.yml";
  std::string functions = "slblur,slblur-warm";
  std::string users = "1,2,4,8,16";
  std::string think = "0.5s";
  int requests = 20, repetitions = 2, port = 18080;
  std::string video = "testdata/face-1308x888.mp4";
  std::string timeout = "25s";
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"closed-loop campaign against faaslab up, stored for faaslab model"};
  app.add_option("--db", a.db, "results database to write (replaced)");
  app.add_option("--stack", a.stack, "stack file");
  app.add_option("--functions", a.functions, "functions of the stack (classic,http ...)");
  app.add_option("--users", a.users, "user counts, comma-separated");
  app.add_option("--think", a.think, "think times, comma-separated");
  app.add_option("--requests", a.requests, "requests per user");
  app.add_option("--repetitions", a.repetitions, "repetitions of each configuration");
  app.add_option("--port", a.port, "gateway port on 127.0.0.1");
  app.add_option("--video", a.video, "video whose frame 18 is the payload");
  app.add_option("--timeout", a.timeout, "client timeout per request");
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);

  // The payload: the study's, base64 text of a PNG as cv2.imwrite writes it.
  cv::VideoCapture cap(a.video);
  cv::Mat frame;
  for (int i = 0; i <= 18 && cap.read(frame); ++i) {
  }
  if (frame.empty()) return std::cerr << "cannot read " << a.video << "\n", 1;
  std::vector<std::uint8_t> png;
  cv::imencode(".png", frame, png);
  const std::string body = base64_encode(png);
  const auto timeout = parse_duration(a.timeout);
  if (!timeout) return std::cerr << "--timeout: " << timeout.error() << "\n", 2;

  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  Subprocess gateway({(bin / "faaslab").string(), "up", "-f", a.stack, "--port",
                      std::to_string(a.port), "--log-level", "warn", "--secrets-dir",
                      (fs::temp_directory_path() / "faaslab-model-campaign-secrets").string()});
  // Ready once every function answers.
  for (const auto& fn : split(a.functions)) {
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i) {
      HttpRequest probe{"POST", "/function/" + fn, {}, body};
      auto r = http_request("127.0.0.1", static_cast<std::uint16_t>(a.port), probe,
                            std::chrono::seconds(5));
      up = r && r->status == 200;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!up) return std::cerr << "function " << fn << " did not answer\n", 1;
  }

  fs::remove(a.db);
  auto db = experiment::ResultsDb::open(a.db);
  if (!db) return std::cerr << db.error() << "\n", 1;
  auto campaign = (*db)->create_campaign("model-validation", "bench/model_campaign.cpp",
                                         {{"users", a.users}, {"think", a.think}},
                                         experiment::machine_info(), experiment::version_info());
  if (!campaign) return std::cerr << campaign.error() << "\n", 1;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  int ordinal = 0;
  for (const auto& fn : split(a.functions)) {
    const std::string mode = fn == "slblur" ? "classic" : "http";
    for (const auto& think_text : split(a.think)) {
      const auto think = parse_duration(think_text);
      if (!think) return std::cerr << "--think: " << think.error() << "\n", 2;
      for (const auto& users_text : split(a.users)) {
        const int users = std::stoi(users_text);
        std::ostringstream key;
        key << "users=" << users << " think=" << format_duration(*think) << " mode=" << mode;
        for (int rep = 0; rep < a.repetitions; ++rep) {
          experiment::RunColumns c;
          c.config_key = key.str();
          c.repetition = rep;
          c.ordinal = ordinal++;
          c.config_json = {{"model", "closed"}, {"users", users},
                           {"think_s", to_seconds(*think)}, {"ramp_up_s", 0.0},
                           {"function", fn}};
          c.users = users;
          c.think_s = to_seconds(*think);
          c.think_dist = "constant";
          c.replicas = 1;
          c.mode = mode;
          c.routing = "random";
          c.codec = "base64";
          c.frame_width = frame.cols;
          c.frame_height = frame.rows;
          c.timeout_s = to_seconds(*timeout);
          c.cores = cores;
          c.target = "embedded";
          auto run = (*db)->begin_run(*campaign, c);
          if (!run) return std::cerr << run.error() << "\n", 1;
          std::mutex mu;
          std::vector<experiment::RequestRow> rows;
          const auto t0 = Clock::now();
          const std::int64_t wall0 = wall_us();
          auto since = [&](Clock::time_point t) {
            return std::chrono::duration_cast<std::chrono::microseconds>(t - t0).count();
          };
          std::vector<std::thread> threads;
          for (int u = 0; u < users; ++u) {
            threads.emplace_back([&, u] {
              HttpClient client("127.0.0.1", static_cast<std::uint16_t>(a.port));
              auto next = Clock::now() + *think;  // think before each request
              for (int k = 0; k < a.requests; ++k) {
                std::this_thread::sleep_until(next);
                const auto intended = next;
                HttpRequest req{"POST", "/function/" + fn, {}, body};
                auto r = client.send(req, *timeout);
                const auto end = Clock::now();
                experiment::RequestRow row;
                row.user = static_cast<std::uint64_t>(u);
                row.sequence = static_cast<std::uint64_t>(k);
                row.label = "frame-0018";
                row.intended_us = since(intended);
                row.start_us = row.intended_us;
                row.end_us = since(end);
                row.intended_wall_us = wall0 + row.intended_us;
                row.start_wall_us = row.intended_wall_us;
                row.end_wall_us = wall0 + row.end_us;
                row.latency_us = row.end_us - row.intended_us;
                row.service_us = *row.latency_us;
                row.bytes_sent = body.size();
                if (r) {
                  row.status = r->status;
                  row.outcome = r->status < 400 ? "ok" : "http_error";
                  row.bytes_received = r->body.size();
                  row.handler_s = handler_seconds(*r);
                  row.replica = r->header("X-Faaslab-Replica");
                } else {
                  row.outcome = r.error_code() == Errc::kTimeout ? "timeout" : "closed";
                  row.error = r.error();
                  client.close();
                }
                {
                  std::lock_guard lock(mu);
                  rows.push_back(std::move(row));
                }
                next = end + *think;
              }
            });
          }
          for (auto& t : threads) t.join();
          for (auto& row : rows)
            if (auto st = (*db)->add_request(*run, row); !st) return std::cerr << st.error() << "\n", 1;
          if (auto st = (*db)->finish_run(*run, "complete", "", false); !st)
            return std::cerr << st.error() << "\n", 1;
          const auto summaries = experiment::summarise_run(rows);
          for (const auto& s : summaries) (void)(*db)->put_run_summary(*run, s);
          const auto& s = summaries.front();
          std::cout << key.str() << " rep " << rep << ": " << s.count << " requests, mean "
                    << s.mean_s << " s, p95 " << s.p95_s << " s, " << s.throughput_rps
                    << "/s, success " << s.success_rate << std::endl;
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        (void)experiment::update_config_summaries(**db, *campaign, key.str());
      }
    }
  }
  (void)(*db)->set_campaign_status(*campaign, "complete");
  gateway.signal(SIGTERM);
  gateway.wait(std::chrono::seconds(20));
  std::cout << a.db << "\n";
  return 0;
}
