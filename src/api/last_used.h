// LastUsedRecorder: API keys' last_used_at without a storage write per
// request. Each reactor notes key id → time in its own table (no sharing);
// once a minute, from the reactor's tick, the keys used since are written in
// one change. So last_used_at is at most about a minute behind.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "identity/identity_service.h"

namespace claribi::api {

class LastUsedRecorder {
 public:
  LastUsedRecorder(identity::IdentityService& identity, int reactors, int64_t flush_every_seconds = 60);
  // On reactor `slot`'s thread.
  void record(int slot, uint64_t key_id, int64_t now) {
    auto& m = slots_[size_t(slot)].used;
    auto it = m.find(key_id);
    if (it == m.end()) {
      m.emplace(key_id, now);
    } else if (it->second < now) {
      it->second = now;
    }
  }
  // On reactor `slot`'s thread, once a second; writes when due (or always
  // when force is set, at shutdown).
  void tick(int slot, int64_t now, bool force = false);

 private:
  struct Slot {
    std::unordered_map<uint64_t, int64_t> used;
    int64_t last_flush = 0;
  };
  identity::IdentityService& identity_;
  int64_t every_;
  std::vector<Slot> slots_;
};

}  // namespace claribi::api
