#include "load/record_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace faaslab::load {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  // Enough of CSV for the tests: quoted fields with doubled quotes.
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        out.back() += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\n') {
      out.back() += c;
    }
  }
  return out;
}

TEST(Jtl, HeaderIsJMeterFivesDefault) {
  EXPECT_EQ(jtl_header(),
            "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
            "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n");
  EXPECT_EQ(split_csv(jtl_header()).size(), 17u);
}

TEST(Jtl, LineHasMillisecondsAndJMeterQuoting) {
  Record r;
  r.user = 4;
  r.intended_us = 1'000'000;
  r.start_us = 1'000'400;
  r.first_byte_us = 1'020'000;
  r.end_us = 1'025'600;
  r.connect_us = 2'400;
  r.status = 200;
  r.reason = "OK";
  r.bytes_sent = 1234;
  r.bytes_received = 99;
  r.text_response = true;
  const std::string label = "frame, \"one\"", url = "http://127.0.0.1:8080/f";
  RecordContext ctx{1'700'000'000'000'000, &label, &url, 7};
  std::string line;
  append_jtl_line(line, r, ctx);
  const auto f = split_csv(line);
  ASSERT_EQ(f.size(), 17u) << line;
  EXPECT_EQ(f[0], "1700000001000");  // ms since the epoch, of the intended start
  EXPECT_EQ(f[1], "26");             // elapsed ms from the intended start
  EXPECT_EQ(f[2], label);
  EXPECT_NE(line.find("\"frame, \"\"one\"\"\""), std::string::npos);  // JMeter's quoting
  EXPECT_EQ(f[3], "200");
  EXPECT_EQ(f[5], "faaslab 1-5");
  EXPECT_EQ(f[6], "text");
  EXPECT_EQ(f[7], "true");
  EXPECT_EQ(f[9], "99");
  EXPECT_EQ(f[10], "1234");
  EXPECT_EQ(f[11], "7");
  EXPECT_EQ(f[13], url);
  EXPECT_EQ(f[14], "20");  // latency to the header, ms
  EXPECT_EQ(f[16], "2");   // connect ms
}

TEST(Jtl, FailureWithoutResponseUsesJMetersWording) {
  Record r;
  r.outcome = Outcome::kTimeout;
  r.error = "timed out after 25s";
  r.end_us = 25'000'000;
  const std::string label = "x", url = "u";
  std::string line;
  append_jtl_line(line, r, RecordContext{0, &label, &url, 1});
  const auto f = split_csv(line);
  ASSERT_EQ(f.size(), 17u);
  EXPECT_EQ(f[3], "Non HTTP response code: timeout");
  EXPECT_EQ(f[7], "false");
  EXPECT_EQ(f[8], "timed out after 25s");
  EXPECT_EQ(f[1], "25000");
}

TEST(Records, CsvHasEveryFieldInMicroseconds) {
  Record r;
  r.user = 1;
  r.sequence = 2;
  r.payload = 3;
  r.intended_us = 10;
  r.start_us = 20;
  r.end_us = 1020;
  r.status = 200;
  r.ml_s = 0.25;
  r.replica = "r-2";
  r.cold_start_s = 1.5;
  const std::string label = "frame-0004";
  std::string line;
  append_record_csv(line, r, RecordContext{5000, &label, nullptr, 0});
  const auto header = split_csv(record_csv_header());
  const auto f = split_csv(line);
  ASSERT_EQ(f.size(), header.size());
  auto field = [&](const std::string& name) {
    return f[static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                      header.begin())];
  };
  EXPECT_EQ(field("latency_us"), "1010");
  EXPECT_EQ(field("service_us"), "1000");
  EXPECT_EQ(field("start_wall_us"), "5020");
  EXPECT_EQ(field("ml_s"), "0.250000");
  EXPECT_EQ(field("handler_s"), "");
  EXPECT_EQ(field("replica"), "r-2");
  EXPECT_EQ(field("cold_start"), "true");
  EXPECT_EQ(field("outcome"), "ok");
}

// The quoting check looks at 16 bytes at a time, then at the rest one by one: a special
// character anywhere, in either part, quotes the field.
TEST(Records, CsvFieldIsQuotedWhereverItsSpecialCharacterIs) {
  auto field = [](std::string_view text) {
    std::string out;
    append_csv_field(out, text);
    return out;
  };
  const std::string plain(40, 'a');
  EXPECT_EQ(field(plain), plain);
  EXPECT_EQ(field(""), "");
  for (std::size_t at : {0u, 5u, 15u, 16u, 31u, 32u, 39u}) {
    for (char special : {',', '"', '\r', '\n'}) {
      std::string text = plain;
      text[at] = special;
      std::string expected = "\"" + text + "\"";
      if (special == '"') expected.insert(at + 1, 1, '"');
      EXPECT_EQ(field(text), expected) << "at " << at << " char " << int(special);
    }
  }
}

TEST(RecordFiles, UnwritablePathIsAnError) {
  auto f = RecordFiles::open("/nonexistent-dir/records.csv", "");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("/nonexistent-dir/records.csv"), std::string::npos);
}

}  // namespace
}  // namespace faaslab::load
