// ResourceStore: data sources, dashboards and reports on top of Database
// (layout in resource_store.h).
#include "storage/resource_store.h"

#include <string>
#include <utility>

#include "storage/keys.h"
#include "storage/org_scan.h"
#include "storage/resource_codec.h"

namespace claribi::storage {

template <class Record>
Status ResourceStore::ForEach(const RecordFn<Record>& fn) const {
  return detail::scan_org_records<Record>(db_, ResourceKind<Record>::family, {}, ResourceKind<Record>::label, fn);
}

template <class Record>
Status ResourceStore::Get(uint64_t org_id, uint64_t id, Record* out) const {
  char key[kOrgKeySize];
  std::string value;
  Status st = db_.Get(ResourceKind<Record>::family, org_key(org_id, id, key), &value);
  if (!st.ok()) return st;
  if (!decode(value, out) || out->id != id || out->org_id != org_id)
    return detail::corrupt(ResourceKind<Record>::label, org_key(org_id, id));
  return Status::Ok();
}

template <class Record>
void ResourceStore::Put(Batch& b, const Record& r) {
  std::string value;
  encode(r, &value);
  char key[kOrgKeySize];
  b.Put(ResourceKind<Record>::family, org_key(r.org_id, r.id, key), value);
}

template <class Record>
void ResourceStore::Delete(Batch& b, uint64_t org_id, uint64_t id) {
  char key[kOrgKeySize];
  b.Delete(ResourceKind<Record>::family, org_key(org_id, id, key));
}

namespace {

std::string run_key(uint64_t org_id, uint64_t report_id, uint64_t run_id) {
  std::string k = org_key(org_id, report_id);
  char id[kIdKeySize];
  k.append(id_key(run_id, id));
  return k;
}

}  // namespace

void ResourceStore::PutRun(Batch& b, const model::ReportRun& r) {
  std::string value;
  encode(r, &value);
  std::string key = run_key(r.org_id, r.report_id, r.id);
  b.Put(Family::kReportRuns, key, value);
  if (!r.result.empty()) b.Put(Family::kReportResults, key, r.result);
}

Status ResourceStore::ForEachRun(uint64_t org_id, uint64_t report_id,
                                 const std::function<bool(const model::ReportRun&)>& fn) const {
  Status bad;
  Status st = db_.ForEachPrefixReverse(Family::kReportRuns, org_key(org_id, report_id),
                                       [&](std::string_view key, std::string_view value) {
                                         model::ReportRun r;
                                         if (!decode(value, &r) || r.org_id != org_id || r.report_id != report_id) {
                                           bad = detail::corrupt("report run", key);
                                           return false;
                                         }
                                         return fn(r);
                                       });
  return st.ok() ? bad : st;
}

Status ResourceStore::GetRun(uint64_t org_id, uint64_t report_id, uint64_t run_id, model::ReportRun* out) const {
  std::string key = run_key(org_id, report_id, run_id);
  std::string value;
  Status st = db_.Get(Family::kReportRuns, key, &value);
  if (!st.ok()) return st;
  if (!decode(value, out) || out->id != run_id || out->org_id != org_id || out->report_id != report_id)
    return detail::corrupt("report run", key);
  st = db_.Get(Family::kReportResults, key, &out->result);
  if (st.code() == StatusCode::kNotFound) return Status::Ok();  // a failed run has none
  return st;
}

Status ResourceStore::RunIds(uint64_t org_id, uint64_t report_id, std::vector<uint64_t>* out) const {
  out->clear();
  return db_.ForEachPrefixReverse(Family::kReportRuns, org_key(org_id, report_id),
                                  [&](std::string_view key, std::string_view) {
                                    if (key.size() == kOrgKeySize + kIdKeySize)
                                      out->push_back(get_be64(key.data() + kOrgKeySize));
                                    return true;
                                  });
}

void ResourceStore::DeleteRuns(Batch& b, uint64_t org_id, uint64_t report_id, uint64_t below) {
  std::string prefix = org_key(org_id, report_id);
  std::string end = below == 0 ? prefix_successor(prefix) : run_key(org_id, report_id, below);
  b.DeleteRange(Family::kReportRuns, prefix, end);
  b.DeleteRange(Family::kReportResults, prefix, end);
}

void ResourceStore::Submit(Batch b, std::function<void()> after_commit, std::function<void(Status)> done) {
  submit_or_write(db_, writer_, std::move(b), std::move(after_commit), std::move(done));
}

#define CLARIBI_RESOURCE_STORE_INSTANTIATE(R)                              \
  template Status ResourceStore::ForEach<R>(const RecordFn<R>& fn) const; \
  template Status ResourceStore::Get<R>(uint64_t org_id, uint64_t id, R* out) const; \
  template void ResourceStore::Put<R>(Batch & b, const R& r);             \
  template void ResourceStore::Delete<R>(Batch & b, uint64_t org_id, uint64_t id);
CLARIBI_RESOURCE_STORE_INSTANTIATE(model::DataSource)
CLARIBI_RESOURCE_STORE_INSTANTIATE(model::Dashboard)
CLARIBI_RESOURCE_STORE_INSTANTIATE(model::Report)
#undef CLARIBI_RESOURCE_STORE_INSTANTIATE

}  // namespace claribi::storage
