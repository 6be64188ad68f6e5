#include "api/last_used.h"

#include <memory>

namespace claribi::api {

LastUsedRecorder::LastUsedRecorder(identity::IdentityService& identity, int reactors, int64_t every)
    : identity_(identity), every_(every), slots_(size_t(reactors > 0 ? reactors : 1)) {}

void LastUsedRecorder::tick(int slot, int64_t now, bool force) {
  Slot& s = slots_[size_t(slot)];
  if (s.last_flush == 0) s.last_flush = now;
  if (s.used.empty() || (!force && now - s.last_flush < every_)) return;
  s.last_flush = now;
  auto used = std::make_shared<std::unordered_map<uint64_t, int64_t>>();
  used->swap(s.used);
  identity_.transact(
      [used](const identity::View& view, identity::Change& change) {
        for (const auto& [id, ts] : *used) {
          const model::ApiKey* k = view.key(id);
          if (k == nullptr || k->last_used_at >= ts) continue;
          model::ApiKey updated = *k;
          updated.last_used_at = ts;
          change.keys.push_back(std::move(updated));
        }
        return Status::Ok();
      },
      // Best effort: a failed write only leaves last_used_at older — also a
      // conflict (on a shared database another node changed the key first,
      // say revoked it): dropped, never retried over that change.
      [](Status) {});
}

}  // namespace claribi::api
