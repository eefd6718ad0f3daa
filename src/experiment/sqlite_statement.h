// A prepared SQLite statement for the results database (internal to src/experiment/): bind
// parameters by position (1-based), step, read result columns (0-based) into typed values.
// Owns the sqlite3_stmt (finalised on destruction), not the connection, which must outlive it.
// Not thread-safe, as the connection it belongs to.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace faaslab::experiment {

// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
inline constexpr int kBusyTimeoutMs = 5000;

// The connection's last error, as an Error naming the database file and what was being done,
// and, for the failures a campaign meets (another process holding the lock, a full disk, a
// file size limit, a read-only file), what they mean. Defined in results_db.cpp.
Error db_error(sqlite3* db, const std::string& what);

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }

  // --- parameters
  Statement& bind(int i, std::int64_t v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, int v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, std::uint64_t v) {
    return sqlite3_bind_int64(stmt_, i, static_cast<std::int64_t>(v)), *this;
  }
  Statement& bind(int i, std::uint32_t v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, bool v) { return sqlite3_bind_int(stmt_, i, v ? 1 : 0), *this; }
  Statement& bind(int i, double v) { return sqlite3_bind_double(stmt_, i, v), *this; }
  Statement& bind(int i, const std::string& v) {
    return sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
           *this;
  }
  Statement& bind(int i, const nlohmann::json& v) { return bind(i, v.dump()); }
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    return sqlite3_bind_null(stmt_, i), *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // --- result columns
  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }
  bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : "";
  }
  std::optional<double> opt_real(int c) const {
    return null(c) ? std::nullopt : std::optional<double>(real(c));
  }
  int columns() const { return sqlite3_column_count(stmt_); }
  std::string name(int c) const { return sqlite3_column_name(stmt_, c); }

  // Column c into a value of the type it is stored from (the counterparts of bind()); NULL
  // leaves an optional empty. JSON text that does not parse reads as an empty object.
  void read(int c, std::int64_t& v) const { v = i64(c); }
  void read(int c, int& v) const { v = static_cast<int>(i64(c)); }
  void read(int c, std::uint64_t& v) const { v = static_cast<std::uint64_t>(i64(c)); }
  void read(int c, std::uint32_t& v) const { v = static_cast<std::uint32_t>(i64(c)); }
  void read(int c, bool& v) const { v = i64(c) != 0; }
  void read(int c, double& v) const { v = real(c); }
  void read(int c, std::string& v) const { v = text(c); }
  void read(int c, nlohmann::json& v) const {
    v = nlohmann::json::parse(text(c), nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) v = nlohmann::json::object();
  }
  template <class T>
  void read(int c, std::optional<T>& v) const {
    if (null(c)) {
      v.reset();
      return;
    }
    T value{};
    read(c, value);
    v = value;
  }

  // Steps through the rows, calling on_row() for each; the error names `what`.
  template <class F>
  Status each_row(const std::string& what, F on_row) {
    int rc;
    while ((rc = step()) == SQLITE_ROW) on_row();
    if (rc != SQLITE_DONE) return db_error(db_, what);
    return Ok{};
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace faaslab::experiment
