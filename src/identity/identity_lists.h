// IdentityLists: the users and API-key lists of §2 served from memory, the
// way the BI collections are (index/catalog.h): every user and key rendered
// once per write, ranked by each ordering, per organization — and the keys
// also per owner, since a non-administrator lists only their own. A list
// page is a rank lookup and a copy; `count` is a size.
//
// Kept by IdentityService: filled by load() and updated on the writer thread
// right after each durable change, like IdentityIndex. Records are kept
// without their password hash.
#pragma once

#include <string>
#include <string_view>

#include "common/text.h"
#include "index/catalog.h"
#include "model/records.h"

namespace claribi::identity {

// Users order by email and are searched by email, first or last name (§2).
struct UserListTraits {
  static std::string_view sort_text(const model::User& u) { return u.email; }
  static bool matches(const model::User& u, std::string_view s) {
    return contains_icase(u.email, s) || contains_icase(u.first_name, s) || contains_icase(u.last_name, s);
  }
};

class IdentityLists {
 public:
  using UserRenderFn = void (*)(const model::User&, std::string* out);
  using KeyRenderFn = void (*)(const model::ApiKey&, std::string* out);

  IdentityLists(UserRenderFn render_user, KeyRenderFn render_key)
      : render_user_(render_user), render_key_(render_key) {}

  // Writer side (IdentityService).
  void put_user(model::User u) {
    u.password_hash.clear();
    render_user_(u, &json_);
    users_.put(u.org_id, std::move(u), json_);
  }
  void remove_user(const model::User& u) { users_.erase(u.org_id, u.id); }
  // A deleted key leaves both lists.
  void put_key(const model::ApiKey& k) {
    if (k.deleted) {
      keys_by_org_.erase(k.org_id, k.id);
      keys_by_owner_.erase(k.user_id, k.id);
      return;
    }
    render_key_(k, &json_);
    keys_by_org_.put(k.org_id, k, json_);
    keys_by_owner_.put(k.user_id, k, json_);
  }

  // Readers: keyed by organization id, or (keys_by_owner) user id.
  const index::Catalog<model::User, UserListTraits>& users() const { return users_; }
  const index::Catalog<model::ApiKey>& keys_by_org() const { return keys_by_org_; }
  const index::Catalog<model::ApiKey>& keys_by_owner() const { return keys_by_owner_; }

 private:
  UserRenderFn render_user_;
  KeyRenderFn render_key_;
  std::string json_;  // scratch, writer side only
  index::Catalog<model::User, UserListTraits> users_;
  index::Catalog<model::ApiKey> keys_by_org_;
  index::Catalog<model::ApiKey> keys_by_owner_;
};

}  // namespace claribi::identity
