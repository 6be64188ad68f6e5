// ResourceService: loading, reading and writing BI records (see the header).
#include "resources/resource_service.h"

#include "model/resources.h"
#include "storage/keys.h"
#include "storage/resource_codec.h"

namespace claribi::resources {

namespace {
// The outcome of a write that could not start: the record is gone, or
// reading its current version failed.
WriteResult not_written(Status st) {
  if (st.code() == StatusCode::kNotFound) return WriteResult{WriteOutcome::kNotFound, Status::Ok(), {}};
  return WriteResult{WriteOutcome::kFailed, std::move(st), {}};
}
}  // namespace

template <class Record>
Status ResourceService<Record>::load() {
  std::string json;
  return store_.ForEach<Record>([&](const Record& r) {
    render_(r, &json);
    catalog_.put(r.org_id, r, json);  // the header part
  });
}

template <class Record>
size_t ResourceService<Record>::count(uint64_t org_id) const {
  return catalog_.count(org_id);
}

template <class Record>
size_t ResourceService<Record>::render_page(uint64_t org_id, const PageRequest& p, std::string* items) const {
  return catalog_.render_page(org_id, p, items);
}

template <class Record>
bool ResourceService<Record>::render(uint64_t org_id, uint64_t id, std::string* out) const {
  return catalog_.render(org_id, id, out);
}

template <class Record>
bool ResourceService<Record>::contains(uint64_t org_id, uint64_t id) const {
  return catalog_.contains(org_id, id);
}

template <class Record>
bool ResourceService<Record>::exists(uint64_t org_id, uint64_t id) const {
  auto it = pending_.find(Key(org_id, id));
  if (it != pending_.end()) return it->second.record.has_value();
  return catalog_.contains(org_id, id);
}

template <class Record>
Status ResourceService<Record>::latest(uint64_t org_id, uint64_t id, Record* out) const {
  auto it = pending_.find(Key(org_id, id));
  if (it != pending_.end()) {
    if (!it->second.record) return Status::NotFound("");
    *out = *it->second.record;
    return Status::Ok();
  }
  if (!exists(org_id, id)) return Status::NotFound("");
  return store_.Get(org_id, id, out);
}

template <class Record>
Status ResourceService<Record>::read(uint64_t org_id, uint64_t id, Record* out) const {
  std::lock_guard lock(write_mu_);
  return latest(org_id, id, out);
}

template <class Record>
void ResourceService<Record>::submit(storage::Batch batch, Key key, std::optional<Record> record, std::string json,
                                     DoneFn done, Attachment extra) {
  batch.Append(extra.batch);
  Pending& p = pending_[key];
  p.record = record;
  ++p.refs;
  auto shared = std::make_shared<std::pair<std::optional<Record>, std::string>>(std::move(record), std::move(json));
  store_.Submit(
      std::move(batch),
      [this, key, shared, after = std::move(extra.after_commit)] {
        if (shared->first) {
          catalog_.put(key.first, *shared->first, shared->second);  // the header part
        } else {
          catalog_.erase(key.first, key.second);
        }
        if (after) after();
      },
      [this, key, shared, done = std::move(done)](Status st) {
        {
          std::lock_guard lock(write_mu_);
          auto it = pending_.find(key);
          if (it != pending_.end() && --it->second.refs == 0) pending_.erase(it);
        }
        WriteResult res;
        if (!st.ok()) {
          res.outcome = WriteOutcome::kFailed;
          res.status = std::move(st);
        } else {
          res.json = std::move(shared->second);
        }
        done(std::move(res));
      });
}

template <class Record>
void ResourceService<Record>::submit_put(Record r, DoneFn done, Attachment extra) {
  std::string json;
  render_(r, &json);
  storage::Batch b;
  storage::ResourceStore::Put(b, r);
  Key key(r.org_id, r.id);
  submit(std::move(b), key, std::move(r), std::move(json), std::move(done), std::move(extra));
}

template <class Record>
void ResourceService<Record>::create(Record r, DoneFn done) {
  std::lock_guard lock(write_mu_);
  r.id = store_.AllocateId(storage::ResourceKind<Record>::sequence);
  submit_put(std::move(r), std::move(done));
}

template <class Record>
void ResourceService<Record>::update(uint64_t org_id, uint64_t id, int64_t now, EditFn edit, DoneFn done,
                                     Attachment extra) {
  std::unique_lock lock(write_mu_);
  Record r;
  if (Status st = latest(org_id, id, &r); !st.ok()) {
    lock.unlock();
    done(not_written(std::move(st)));
    return;
  }
  edit(r);
  if (now != kKeepUpdatedAt) r.updated_at = now;
  submit_put(std::move(r), std::move(done), std::move(extra));
}

// A delete needs only the key: no read of the stored record.
template <class Record>
void ResourceService<Record>::remove(uint64_t org_id, uint64_t id, DoneFn done, Attachment extra) {
  std::unique_lock lock(write_mu_);
  if (!exists(org_id, id)) {
    lock.unlock();
    done(not_written(Status::NotFound("")));
    return;
  }
  storage::Batch b;
  storage::ResourceStore::Delete<Record>(b, org_id, id);
  submit(std::move(b), Key(org_id, id), std::nullopt, {}, std::move(done), std::move(extra));
}

template <class Record>
Result<std::function<void()>> ResourceService<Record>::followed(const storage::Batch::Op& op) {
  uint64_t org_id = 0, id = 0;
  if (!storage::decode_org_key(op.key, &org_id, &id)) {
    return Status::Corruption(std::string(storage::ResourceKind<Record>::label) + " key does not decode");
  }
  if (op.type == storage::Batch::OpType::kDelete) {
    return std::function<void()>([this, org_id, id] { catalog_.erase(org_id, id); });
  }
  Record r;
  if (!storage::decode(op.value, &r) || r.org_id != org_id || r.id != id) {
    return Status::Corruption(std::string(storage::ResourceKind<Record>::label) + " " + std::to_string(id) +
                              " does not decode");
  }
  std::string json;
  render_(r, &json);
  return std::function<void()>([this, header = model::ResourceHeader(r), json = std::move(json)]() mutable {
    catalog_.put(header.org_id, std::move(header), std::move(json));
  });
}

template class ResourceService<model::DataSource>;
template class ResourceService<model::Dashboard>;
template class ResourceService<model::Report>;

}  // namespace claribi::resources
