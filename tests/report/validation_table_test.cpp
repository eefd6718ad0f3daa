// The report's "Model vs measurement" table (report/validation_table.h): six columns, so it
// fits a 1400-px window; each figure measured ± its interval over predicted (error); the three
// verdicts shown and counted; text from the database escaped.
#include "report/validation_table.h"

#include <gtest/gtest.h>

#include <string>

namespace faaslab::report {
namespace {

using nlohmann::json;

json row(const std::string& key, const std::string& verdict, bool mean_ok) {
  json r = {{"config_key", key},
            {"method", "des"},
            {"interval", "batch means"},
            {"fitted", false},
            {"measured",
             {{"mean_s", 0.100},
              {"mean_s_ci95", 0.004},
              {"p95_s", 0.150},
              {"throughput_rps", 10.0},
              {"throughput_rps_ci95", 0.5},
              {"success_rate", 1.0}}},
            {"predicted",
             {{"mean_s", mean_ok ? 0.105 : 0.130},
              {"p95_s", 0.160},
              {"throughput_rps", 9.5},
              {"success_rate", 1.0}}},
            {"pass", {{"mean", mean_ok}, {"p95", true}, {"throughput", true}, {"success", true}}}};
  if (!verdict.empty()) r["verdict"] = verdict;
  return r;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ValidationTable, SixColumnsThreeVerdictsAndTheirCounts) {
  json fitted = row("users=1 mode=http", "", true);
  fitted["fitted"] = true;
  const json data = {
      {"configs", {{{"key", "users=2 mode=http"}, {"short", "2 users <b>http</b>"}}}},
      {"validation",
       {fitted,
        row("users=2 mode=http", "within", true),
        row("users=4 mode=http", "cannot tell", false),
        row("users=8 mode=http", "miss", false),
        {{"config_key", "users=9"}, {"error", "no calibration for mode <x>"}}}}};
  const std::string h = validation_table_html(data);
  EXPECT_EQ(count(h, "<th>"), 6) << h;
  // Every body row has six cells (the unpredicted one spans the five after its name).
  EXPECT_EQ(count(h, "<tr><td>"), 5) << h;
  EXPECT_NE(h.find("colspan=\"5\""), std::string::npos) << h;
  EXPECT_NE(h.find("1 within every target, 1 cannot tell (outside a target, inside the "
                   "measurement's 95% interval), 1 missed, of 3 configurations judged"),
            std::string::npos)
      << h;
  // measured ± interval, then predicted (error): 100.0 ms ± 4.00 ms over 130.0 ms (+30.0%).
  EXPECT_NE(h.find("100.0 ms<span class=\"ci\"> ± 4.00 ms</span><br><span class=\"pred\">130.0 ms "
                   "(+30.0%)</span>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("10.00<span class=\"ci\"> ± 0.50</span>"), std::string::npos) << h;
  EXPECT_NE(h.find("100.0%<br><span class=\"pred\">100.0% (+0.0 pp)</span>"), std::string::npos)
      << h;
  EXPECT_NE(h.find("class=\"unsure\">cannot tell: mean</td>"), std::string::npos) << h;
  EXPECT_NE(h.find("class=\"bad\">miss: mean</td>"), std::string::npos) << h;
  EXPECT_NE(h.find("class=\"good\">within</td>"), std::string::npos) << h;
  EXPECT_NE(h.find(">fitted</td>"), std::string::npos) << h;
  EXPECT_NE(h.find("des, batch means"), std::string::npos) << h;
  // The configuration's short name, and the error, as text.
  EXPECT_NE(h.find("2 users &lt;b&gt;http&lt;/b&gt;"), std::string::npos) << h;
  EXPECT_NE(h.find("no calibration for mode &lt;x&gt;"), std::string::npos) << h;
  EXPECT_EQ(h.find("<b>"), std::string::npos) << h;
}

TEST(ValidationTable, NothingWithoutAValidation) {
  EXPECT_EQ(validation_table_html(json{{"configs", json::array()}}), "");
  EXPECT_EQ(validation_table_html(json{{"validation", json::array()}}), "");
}

}  // namespace
}  // namespace faaslab::report
