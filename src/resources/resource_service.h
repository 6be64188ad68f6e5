// ResourceService<Record>: every read and write of one kind of BI record
// (data sources, dashboards, reports) — the in-memory Collections of every
// organization, loaded from storage at start-up, and the write path through
// the group-commit writer.
//
// Reads (list pages, single records, counts) come from memory: a list never
// touches RocksDB. Memory holds what reads need — each record's rendered
// JSON and its header (id, name, times) for the orderings — not the record
// itself: an update reads the current version from the database (or from
// the queue of writes not yet durable). Writes are read-modify-write under one lock per kind,
// against the latest version of the record including writes still queued
// (like IdentityService), so two concurrent PATCHes of one record are
// serialized rather than one lost; the lock covers building and queueing a
// write, never the disk. Once a write is durable, the writer thread swaps the
// new version into the Collection (after_commit) and then calls `done`, so
// the 2xx that follows is never ahead of what a list shows.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/status.h"
#include "index/catalog.h"
#include "model/resources.h"
#include "storage/resource_store.h"

namespace claribi::resources {

using index::Ordering;
using index::PageRequest;

enum class WriteOutcome : uint8_t { kOk, kNotFound, kFailed };

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::kOk;
  Status status;     // the storage error when kFailed
  std::string json;  // the rendered record when kOk (create, update)
};

// Writes that must land atomically with a record's own write (a data
// source's rows with its row_count, or their removal with it), and what to
// apply in memory once that write is durable (on the writer thread, right
// after the record's collection is updated).
struct Attachment {
  storage::Batch batch;
  std::function<void()> after_commit;
};

template <class Record>
class ResourceService {
 public:
  // Renders a record's public JSON (secrets masked) into *out (replacing it).
  using RenderFn = void (*)(const Record&, std::string* out);
  // Changes a copy of the latest version of the record.
  using EditFn = std::function<void(Record&)>;
  // Runs on the writer thread once the write is durable (or failed), or at
  // once on the calling thread when the record does not exist.
  using DoneFn = std::function<void(WriteResult)>;

  ResourceService(storage::ResourceStore& store, RenderFn render) : store_(store), render_(render) {}

  // Loads every record of the kind. Call once, before readers start.
  Status load();

  size_t count(uint64_t org_id) const;
  // See index::Collection::render_page; 0 and nothing appended for an empty org.
  size_t render_page(uint64_t org_id, const PageRequest& p, std::string* items) const;
  // Appends the record's JSON; false when the organization has no such record.
  bool render(uint64_t org_id, uint64_t id, std::string* out) const;
  // Whether the organization has the record (durable writes only).
  bool contains(uint64_t org_id, uint64_t id) const;
  // The latest version of the record (queued writes included), read from
  // storage; NotFound when the organization has no such record.
  Status read(uint64_t org_id, uint64_t id, Record* out) const;

  // `r` carries org_id, the fields, created_by, created_at and updated_at;
  // the id is assigned here.
  void create(Record r, DoneFn done);
  // Applies edit to the latest version and stamps updated_at = now, unless
  // now is kKeepUpdatedAt (what the server itself records, such as a
  // report's last_run_at, is not an edit of the record).
  static constexpr int64_t kKeepUpdatedAt = -1;
  void update(uint64_t org_id, uint64_t id, int64_t now, EditFn edit, DoneFn done, Attachment extra = {});
  void remove(uint64_t org_id, uint64_t id, DoneFn done, Attachment extra = {});

  // Cluster mode: another node's write of a record of this kind, decoded
  // and rendered here (the change follower's thread); what it returns puts
  // it into (or takes it out of) the catalog, on the writer thread.
  Result<std::function<void()>> followed(const storage::Batch::Op& op);

 private:
  using Key = std::pair<uint64_t, uint64_t>;  // org, id
  struct Pending {
    std::optional<Record> record;  // nullopt: deleted by a queued write
    int refs = 0;
  };

  // Whether the record exists, queued writes included. Under write_mu_.
  bool exists(uint64_t org_id, uint64_t id) const;
  // Latest version (queued writes included). NotFound when absent. Under write_mu_.
  Status latest(uint64_t org_id, uint64_t id, Record* out) const;
  // Renders r and queues its Put. Under write_mu_.
  void submit_put(Record r, DoneFn done, Attachment extra = {});
  // Queues the batch; pending bookkeeping for `key`; `record` null for a delete.
  void submit(storage::Batch batch, Key key, std::optional<Record> record, std::string json, DoneFn done,
              Attachment extra = {});

  storage::ResourceStore& store_;
  RenderFn render_;

  index::Catalog<model::ResourceHeader> catalog_;  // by organization

  // Recursive: a stopped writer fails a Submit at once, on this thread,
  // inside the locked region, and done's bookkeeping locks again.
  mutable std::recursive_mutex write_mu_;
  std::map<Key, Pending> pending_;
};

}  // namespace claribi::resources
