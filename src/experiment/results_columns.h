// The columns of the results tables (internal to src/experiment/), each described once: its
// name and the row member it holds. The same description writes a row (INSERT) and reads it
// back (SELECT), in the schema's order (docs/results-db.md), so the two cannot drift apart.
// The descriptions are immutable after construction: safe to share between threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiment/results_db.h"
#include "experiment/sqlite_statement.h"

namespace faaslab::experiment {

template <class Row>
class Columns {
 public:
  template <class T>
  Columns& add(const char* name, T Row::*member) {
    names_ += (names_.empty() ? "" : ", ") + std::string(name);
    placeholders_ += placeholders_.empty() ? "?" : ",?";
    bind_.push_back([member](Statement& s, int i, const Row& r) { s.bind(i, r.*member); });
    read_.push_back([member](const Statement& s, int i, Row& r) { s.read(i, r.*member); });
    return *this;
  }

  const std::string& names() const { return names_; }                // "a, b, c"
  const std::string& placeholders() const { return placeholders_; }  // "?,?,?"
  int size() const { return static_cast<int>(bind_.size()); }

  // Binds the row's columns to parameters first, first + 1, ... (1-based).
  void bind(Statement& s, int first, const Row& row) const {
    for (std::size_t c = 0; c < bind_.size(); ++c) bind_[c](s, first + static_cast<int>(c), row);
  }
  // Reads result columns first, first + 1, ... (0-based) into the row.
  void read(const Statement& s, int first, Row& row) const {
    for (std::size_t c = 0; c < read_.size(); ++c) read_[c](s, first + static_cast<int>(c), row);
  }

 private:
  std::string names_, placeholders_;
  std::vector<std::function<void(Statement&, int, const Row&)>> bind_;
  std::vector<std::function<void(const Statement&, int, Row&)>> read_;
};

// requests, without run_id.
const Columns<RequestRow>& request_columns();
// events, without run_id.
const Columns<EventRow>& event_columns();
// summaries, from label on (without scope, run_id, campaign_id and config_key).
const Columns<SummaryRow>& summary_columns();
// runs: the configuration columns, config_key to warmup_requests (without id, campaign_id and
// what finishing a run sets).
const Columns<RunColumns>& run_columns();

}  // namespace faaslab::experiment
