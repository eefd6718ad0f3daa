// The machine's ceiling for a process per request: `threads` threads each spawn `cat` (with
// spawn_process, as the classic watchdog does), write a few bytes, read them back, reap it,
// for `seconds`; prints processes per second. The classic watchdog's rate is compared with it.
//
//   build/bin/spawn_floor [threads=2] [seconds=5]
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/spawn.h"

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 5;
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      faaslab::SpawnOptions o;
      o.argv = {"/bin/cat"};
      while (!stop) {
        auto p = faaslab::spawn_process(o);
        if (!p) std::exit(1);
        (void)!::write(p->stdin_fd, "ping", 4);
        ::close(p->stdin_fd);
        char buf[64];
        while (::read(p->stdout_fd, buf, sizeof buf) > 0) {
        }
        ::close(p->stdout_fd);
        ::close(p->stderr_fd);
        int status = 0;
        ::waitpid(p->pid, &status, 0);
        ++done;
      }
    });
  }
  faaslab::Stopwatch watch;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  const double elapsed = watch.seconds();
  for (auto& w : workers) w.join();
  std::printf("%.0f\n", static_cast<double>(done.load()) / elapsed);
  return 0;
}
