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
