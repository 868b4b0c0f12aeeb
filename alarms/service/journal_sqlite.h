// Thin RAII handles over the SQLite C API for the journal: a connection and a prepared
// statement, move-only, errors returned as values (the journal thread must not throw).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace vigil::service::sqlite {

enum class OpenMode { ReadOnly, ReadWriteCreate };

class Statement;

class Database {
 public:
  Database() = default;
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // An open connection, or the reason there is none in `error`.
  static Database open(const std::string& path, OpenMode mode, std::string& error);

  bool isOpen() const { return handle_ != nullptr; }
  // Runs SQL without results (several statements allowed); false and `error` on failure.
  bool execute(std::string_view sql, std::string& error);
  // Compiles one statement; an unprepared Statement (check ok()) with `error` on failure.
  Statement prepare(std::string_view sql, std::string& error);
  std::string lastError() const;
  sqlite3* handle() const { return handle_; }

 private:
  explicit Database(sqlite3* handle) : handle_(handle) {}
  sqlite3* handle_ = nullptr;
};

// One compiled statement. bind*() use 1-based positions like SQLite; step() returns
// Row while there are rows, Done at the end, Error otherwise.
class Statement {
 public:
  enum class Step { Row, Done, Error };

  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return handle_ != nullptr; }
  void bind(int position, std::int64_t value);
  void bind(int position, double value);
  void bind(int position, std::string_view text);
  void bindBlob(int position, std::string_view bytes);
  void bindNull(int position);
  Step step();
  // Ready to run again with new bindings.
  void reset();

  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  bool isNull(int column) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* handle) : handle_(handle) {}
  sqlite3_stmt* handle_ = nullptr;
};

}  // namespace vigil::service::sqlite
