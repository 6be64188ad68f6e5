// Row import: the mechanics of `claribi-admin rows import` — a file read
// from an open descriptor and fed through the same rows::Upload that
// POST /api/data-sources/{id}/rows/ uses (parse, type, encode, stage,
// publish on the ingest pool), with back-pressure and progress reports.
//
// It runs in two places, like every admin command (admin_commands.h):
//   - in claribi-server, on an admin-socket import thread, reading the
//     descriptor claribi-admin passed over the socket (SCM_RIGHTS), so the
//     server needs no access to the operator's path; the progress reports
//     become "progress" frames (admin_socket.h);
//   - in claribi-admin itself when the server is stopped, on the rows
//     machinery StandaloneRows builds on the database the tool opened.
//
// AdminCommands owns the command (flags, the data source lookup, the
// words of the answer); this file owns feeding and waiting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "rows/upload.h"
#include "server/admin_commands.h"

namespace claribi {
namespace storage {
class Database;
class GroupCommitWriter;
class ResourceStore;
class RowStore;
}  // namespace storage
namespace index {
class Qsbr;
}  // namespace index
namespace exec {
class ThreadPool;
}  // namespace exec
}  // namespace claribi

namespace claribi::server {

// How often the progress callback runs while an import is in progress.
inline constexpr int kImportProgressEveryMs = 200;

struct ImportResult {
  enum class Kind : uint8_t {
    kFinished,    // the upload ended: `outcome` says how (appended or refused)
    kReadFailed,  // the file could not be read: `error`; nothing was appended
    kCancelled,   // the progress callback said stop; nothing was appended
  };
  Kind kind = Kind::kFinished;
  rows::UploadOutcome outcome;
  std::string error;
  ImportProgress last;  // the last progress reported
};

// Feeds the rest of the file open at `fd` (not closed here) to a new upload
// into data source `ds` of organization `org` (the caller checked that it
// exists and is of type upload) and waits for its outcome. `progress` runs
// on this thread: at the start, every kImportProgressEveryMs while bytes
// are fed or the upload finishes, and once when the whole file was read.
// It returning false while the file is still being fed aborts the upload
// (nothing is appended); once the whole file was fed the upload is past
// recall and is waited for. rows_done counts the rows the upload has parsed
// so far (the file read is at most rows::Upload::kMaxQueuedBytes ahead).
ImportResult import_file(rows::RowService& rows, uint64_t org, uint64_t ds, rows::Upload::Format format,
                         bool replace, int fd, const ImportProgressFn& progress);

// The rows machinery of App (server/app.cc), for claribi-admin when the
// server is stopped: a group-commit writer, the data-source service, the
// row store with its staging directory <data-dir>/staging, a one-thread
// ingest pool, a chunk-sealing pool and the RowService, loaded (the rows part
// is rows::RowRuntime, as in App::open). Identities, dashboards and
// reports are not needed by an import and are not loaded here; the data
// sources' list JSON is not rendered (nothing here serves lists; what is
// stored is the record, never its JSON).
class StandaloneRows {
 public:
  // `db` and `qsbr` must outlive the result.
  static Result<std::unique_ptr<StandaloneRows>> open(const Config& config, storage::Database& db,
                                                      index::Qsbr& qsbr);
  // Lets queued upload work finish, stops the writer (every acknowledged
  // write is durable), then frees the parts.
  ~StandaloneRows();
  StandaloneRows(const StandaloneRows&) = delete;
  StandaloneRows& operator=(const StandaloneRows&) = delete;

  AdminRows access();

 private:
  StandaloneRows();
  struct Parts;
  std::unique_ptr<Parts> p_;
};

}  // namespace claribi::server
