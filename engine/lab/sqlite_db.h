#pragma once
// A thin RAII layer over the SQLite C API (libsqlite3): a connection, prepared statements, transactions.
// Every failure throws hogwild::Error with SQLite's message and the database's path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hogwild::lab {

class SqliteDb;

class SqliteStmt {
 public:
  SqliteStmt(SqliteDb& db, std::string_view sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  // Parameters are 1-based, as in SQLite. NaN doubles and empty optionals bind NULL.
  SqliteStmt& bind(int i, int64_t v);
  SqliteStmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  SqliteStmt& bind(int i, double v);
  SqliteStmt& bind(int i, std::string_view v);
  SqliteStmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  SqliteStmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  SqliteStmt& bind(int i, std::optional<int64_t> v);
  SqliteStmt& bind_blob(int i, std::string_view bytes);
  SqliteStmt& bind_null(int i);

  bool step();   // true: a row is ready; false: done
  void run();    // steps to the end (statements without rows)
  void reset();  // for reuse; keeps the bindings

  int64_t integer(int col) const;
  double real(int col) const;            // NaN for NULL
  std::string text(int col) const;       // "" for NULL
  std::string blob(int col) const;
  bool is_null(int col) const;
  std::optional<int64_t> optional_integer(int col) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating when `create`) the database file. Throws Error naming the path.
  SqliteDb(const std::string& path, bool create);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);  // one or more statements without results
  int64_t last_insert_id() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT; rolled back when destroyed without commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace hogwild::lab
