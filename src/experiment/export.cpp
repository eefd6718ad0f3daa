#include "experiment/export.h"

#include <cmath>
#include <fstream>

#include "experiment/results_db.h"
#include "load/record_files.h"

namespace faaslab::experiment {

Status export_table_csv(const std::string& db_path, const std::string& table,
                        std::optional<std::int64_t> campaign_id, const std::string& out_path) {
  auto db = ResultsDb::open(db_path);
  if (!db) return db.error_value();
  return (*db)->export_csv(table, campaign_id, out_path);
}

Status export_run_jtl(const std::string& db_path, std::int64_t run_id,
                      const std::string& out_path) {
  auto db = ResultsDb::open(db_path);
  if (!db) return db.error_value();
  auto rows = (*db)->requests(run_id);
  if (!rows) return rows.error_value();
  if (rows->empty())
    return make_error("run " + std::to_string(run_id) + " has no requests (or does not exist)");
  // The run's URL and users, for the JTL's URL and thread-count columns.
  std::string url;
  std::uint64_t users = 0;
  auto campaigns = (*db)->campaign_ids();
  if (!campaigns) return campaigns.error_value();
  for (auto id : *campaigns) {
    auto runs = (*db)->runs(id);
    if (!runs) return runs.error_value();
    for (const auto& r : *runs) {
      if (r.id != run_id) continue;
      users = r.columns.users ? static_cast<std::uint64_t>(*r.columns.users) : 0;
      if (r.columns.config_json.contains("target") &&
          r.columns.config_json["target"].contains("url")) {
        url = r.columns.config_json["target"]["url"];
      } else if (r.columns.config_json.contains("target")) {
        url = "faaslab up: " + r.columns.config_json["target"].value("function", std::string());
      }
    }
  }
  std::ofstream out(out_path);
  if (!out) return make_error("cannot write " + out_path, Errc::kUnavailable);
  std::string text = load::jtl_header();
  for (const auto& row : *rows) {
    load::Record r;
    r.user = row.user;
    r.sequence = row.sequence;
    r.payload = row.payload;
    r.iteration = row.iteration;
    r.intended_us = row.intended_us;
    r.start_us = row.start_us;
    r.first_byte_us = row.first_byte_us;
    r.end_us = row.end_us;
    r.connect_us = row.connect_us;
    r.status = row.status;
    for (int o = 0; o < load::kOutcomeCount; ++o) {
      if (load::outcome_name(static_cast<load::Outcome>(o)) == row.outcome)
        r.outcome = static_cast<load::Outcome>(o);
    }
    r.bytes_sent = row.bytes_sent;
    r.bytes_received = row.bytes_received;
    r.error = row.error;
    load::RecordContext ctx;
    ctx.wall_anchor_us = row.intended_wall_us - row.intended_us;
    ctx.label = &row.label;
    ctx.url = &url;
    ctx.active_threads = users;
    load::append_jtl_line(text, r, ctx);
  }
  out << text;
  if (!out) return make_error("writing " + out_path + " failed (disk full?)", Errc::kUnavailable);
  return Ok{};
}

}  // namespace faaslab::experiment
