// ResourceStore: typed persistence of the BI records — data sources,
// dashboards and reports — so that resources/ never sees keys, families or
// RocksDB.
//
// Layout (one column family per kind, one key prefix per organization):
//   kDataSources  org_key(org_id, id) -> encode(DataSource)
//   kDashboards   org_key(org_id, id) -> encode(Dashboard)
//   kReports      org_key(org_id, id) -> encode(Report)
//   kReportRuns   org_key(org_id, report_id) + be64(run_id) -> encode(ReportRun), no result
//   kReportResults  the same key -> the run's result (a list of runs reads none)
// Later parts of a record kind (a data source's rows, a report's runs) get
// their own families keyed by the same org_key prefix, so deleting a record
// and everything under it stays a handful of range deletes.
//
// Writes are Batches built with Put/Delete and committed through the
// group-commit writer (Submit) or synchronously (Write, for tools).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/resources.h"
#include "storage/batch.h"
#include "storage/database.h"
#include "storage/families.h"
#include "storage/group_commit_writer.h"

namespace claribi::storage {

// Where each record kind lives.
template <class Record>
struct ResourceKind;
template <>
struct ResourceKind<model::DataSource> {
  static constexpr Family family = Family::kDataSources;
  static constexpr Sequence sequence = Sequence::kDataSource;
  static constexpr std::string_view label = "data source";
};
template <>
struct ResourceKind<model::Dashboard> {
  static constexpr Family family = Family::kDashboards;
  static constexpr Sequence sequence = Sequence::kDashboard;
  static constexpr std::string_view label = "dashboard";
};
template <>
struct ResourceKind<model::Report> {
  static constexpr Family family = Family::kReports;
  static constexpr Sequence sequence = Sequence::kReport;
  static constexpr std::string_view label = "report";
};

class ResourceStore {
 public:
  template <class Record>
  using RecordFn = std::function<void(const Record&)>;

  // `writer` may be null: Submit then writes synchronously.
  ResourceStore(Database& db, GroupCommitWriter* writer) : db_(db), writer_(writer) {}

  // Every record of a kind, in (organization, id) order. Corruption if one
  // does not decode or does not match its key: the server must not start.
  template <class Record>
  Status ForEach(const RecordFn<Record>& fn) const;

  // One record: OK, NotFound, or an I/O or Corruption error.
  template <class Record>
  Status Get(uint64_t org_id, uint64_t id, Record* out) const;

  uint64_t AllocateId(Sequence s) { return db_.AllocateId(s); }

  template <class Record>
  static void Put(Batch& b, const Record& r);
  template <class Record>
  static void Delete(Batch& b, uint64_t org_id, uint64_t id);

  // A report's runs. Run ids come from Sequence::kReportRun (one sequence for
  // every report), so a report's keys order its runs oldest first.
  static void PutRun(Batch& b, const model::ReportRun& r);
  // Every run of the report, newest first, until fn returns false (results
  // not read: `result` stays empty).
  Status ForEachRun(uint64_t org_id, uint64_t report_id, const std::function<bool(const model::ReportRun&)>& fn) const;
  // One run with its result: OK, NotFound, or an I/O or Corruption error.
  Status GetRun(uint64_t org_id, uint64_t report_id, uint64_t run_id, model::ReportRun* out) const;
  // The run ids of the report, newest first (for trimming).
  Status RunIds(uint64_t org_id, uint64_t report_id, std::vector<uint64_t>* out) const;
  // Deletes the report's runs with ids below `below` (0: every run).
  static void DeleteRuns(Batch& b, uint64_t org_id, uint64_t report_id, uint64_t below = 0);

  // See group_commit_writer.h for the callback contract.
  void Submit(Batch b, std::function<void()> after_commit, std::function<void(Status)> done);
  Status Write(const Batch& b) { return db_.Write(b); }

 private:
  Database& db_;
  GroupCommitWriter* writer_;
};

}  // namespace claribi::storage
