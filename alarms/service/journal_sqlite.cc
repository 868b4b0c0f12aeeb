#include "alarms/service/journal_sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace vigil::service::sqlite {

Database::~Database() {
  // sqlite3_close_v2 defers the close until every statement is finalised, so member
  // destruction order between statements and the connection does not matter.
  if (handle_) sqlite3_close_v2(handle_);
}

Database::Database(Database&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (handle_) sqlite3_close_v2(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Database Database::open(const std::string& path, OpenMode mode, std::string& error) {
  const int flags = mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    if (handle) sqlite3_close_v2(handle);
    return Database{};
  }
  // Readers (--history) and the writer share the file; a checkpoint may hold a lock briefly.
  sqlite3_busy_timeout(handle, 2000);
  sqlite3_extended_result_codes(handle, 1);
  return Database{handle};
}

bool Database::execute(std::string_view sql, std::string& error) {
  char* message = nullptr;
  const std::string statement(sql);
  if (sqlite3_exec(handle_, statement.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return true;
  error = message ? message : lastError();
  sqlite3_free(message);
  return false;
}

Statement Database::prepare(std::string_view sql, std::string& error) {
  sqlite3_stmt* handle = nullptr;
  if (sqlite3_prepare_v3(handle_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &handle,
                         nullptr) != SQLITE_OK) {
    error = lastError();
    return Statement{};
  }
  return Statement{handle};
}

std::string Database::lastError() const { return handle_ ? sqlite3_errmsg(handle_) : "no connection"; }

Statement::~Statement() {
  if (handle_) sqlite3_finalize(handle_);
}

Statement::Statement(Statement&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (handle_) sqlite3_finalize(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

void Statement::bind(int position, std::int64_t value) { sqlite3_bind_int64(handle_, position, value); }
void Statement::bind(int position, double value) { sqlite3_bind_double(handle_, position, value); }
void Statement::bind(int position, std::string_view text) {
  sqlite3_bind_text(handle_, position, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Statement::bindBlob(int position, std::string_view bytes) {
  // An empty payload is a valid protobuf message (all defaults); keep it a blob, not NULL.
  sqlite3_bind_blob(handle_, position, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
}
void Statement::bindNull(int position) { sqlite3_bind_null(handle_, position); }

Statement::Step Statement::step() {
  switch (sqlite3_step(handle_)) {
    case SQLITE_ROW: return Step::Row;
    case SQLITE_DONE: return Step::Done;
    default: return Step::Error;
  }
}

void Statement::reset() {
  sqlite3_reset(handle_);
  sqlite3_clear_bindings(handle_);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(handle_, column); }
double Statement::real(int column) const { return sqlite3_column_double(handle_, column); }
std::string Statement::text(int column) const {
  const auto* text = sqlite3_column_text(handle_, column);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(handle_, column)))
              : std::string();
}
std::string Statement::blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(handle_, column));
  return bytes ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(handle_, column))) : std::string();
}
bool Statement::isNull(int column) const { return sqlite3_column_type(handle_, column) == SQLITE_NULL; }

}  // namespace vigil::service::sqlite
