// A report page in headless Chromium, as the report tests open it: the page's own self-check
// (every chart mounted, with data, and no script error; written into #self-check) read from the
// DOM, and a screenshot. Loopback-free: file:// only.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/subprocess.h"

namespace faaslab::testing {

inline std::vector<std::string> chromium_args(const std::filesystem::path& profile_dir) {
  return {"/usr/bin/chromium",
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-extensions",
          "--no-first-run",
          "--enable-logging=stderr",
          "--user-data-dir=" + profile_dir.string(),
          "--virtual-time-budget=15000"};
}

struct PageCheck {
  bool finished = false;  // the page wrote its self-check
  nlohmann::json check;   // {"charts": N, "empty": [...], "errors": [...]}
  std::string dom, stderr_text;
  int exit_code = -1;
};

// Loads the page and reads its self-check (within 90 s).
inline PageCheck check_page(const std::filesystem::path& html,
                            const std::filesystem::path& profile_dir) {
  auto args = chromium_args(profile_dir);
  args.insert(args.end(), {"--dump-dom", "file://" + html.string()});
  Subprocess dump(args);
  PageCheck out;
  out.exit_code = dump.wait(std::chrono::seconds(90));
  out.dom = dump.out();
  out.stderr_text = dump.err();
  std::smatch m;
  if (std::regex_search(out.dom, m,
                        std::regex(R"(<pre id="self-check" data-done="1">([^<]*)</pre>)"))) {
    out.finished = true;
    out.check = nlohmann::json::parse(m[1].str());
  }
  return out;
}

// A screenshot of the page, 1400 px wide; the exit code of Chromium.
inline int screenshot_page(const std::filesystem::path& html, const std::filesystem::path& png,
                           const std::filesystem::path& profile_dir, int height) {
  auto args = chromium_args(profile_dir);
  args.insert(args.end(), {"--hide-scrollbars", "--window-size=1400," + std::to_string(height),
                           "--screenshot=" + png.string(), "file://" + html.string()});
  Subprocess shot(args);
  return shot.wait(std::chrono::seconds(90));
}

}  // namespace faaslab::testing
