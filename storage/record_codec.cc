// Versioned binary encoding of Organization, User and ApiKey (format in
// record_codec.h).
#include "storage/record_codec.h"

#include "storage/codec_io.h"

namespace claribi::storage {
namespace {

using codec::Reader;
using codec::Writer;

template <typename T>
std::string encode_to_string(const T& r) {
  std::string s;
  encode(r, &s);
  return s;
}

}  // namespace

void encode(const model::Organization& r, std::string* out) {
  Writer w(out, kRecordFormatVersion);
  w.u64(r.id);
  w.str(r.name);
  w.str(r.plan);
  w.i64(r.ai_credits_remaining);
  w.i64(r.created_at);
  w.i64(r.updated_at);
}

bool decode(std::string_view in, model::Organization* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version, kRecordFormatVersion)) return false;
  out->id = r.u64();
  r.str(&out->name);
  r.str(&out->plan);
  out->ai_credits_remaining = r.i64();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  return r.done();
}

void encode(const model::User& r, std::string* out) {
  Writer w(out, kRecordFormatVersion);
  w.u64(r.id);
  w.u64(r.org_id);
  w.str(r.email);
  w.str(r.first_name);
  w.str(r.last_name);
  w.byte(static_cast<uint8_t>(r.role));
  w.byte(r.is_active ? 1 : 0);
  w.str(r.password_hash);
  w.u64(r.credential_version);
  w.i64(r.created_at);
  w.i64(r.updated_at);
  w.i64(r.last_login_at);
  w.u64(r.created_by);
}

bool decode(std::string_view in, model::User* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version, kRecordFormatVersion)) return false;
  out->id = r.u64();
  out->org_id = r.u64();
  r.str(&out->email);
  r.str(&out->first_name);
  r.str(&out->last_name);
  out->role = static_cast<model::Role>(r.byte(static_cast<uint8_t>(model::Role::kAdministrator)));
  out->is_active = r.boolean();
  r.str(&out->password_hash);
  out->credential_version = r.u32();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  out->last_login_at = r.i64();
  out->created_by = r.u64();
  return r.done();
}

void encode(const model::ApiKey& r, std::string* out) {
  Writer w(out, kRecordFormatVersion);
  w.u64(r.id);
  w.u64(r.org_id);
  w.u64(r.user_id);
  w.str(r.name);
  w.str(r.prefix);
  w.raw(r.hash.data(), r.hash.size());
  w.u64(r.scopes);
  w.i64(r.expires_at);
  w.i64(r.last_used_at);
  w.i64(r.revoked_at);
  w.i64(r.created_at);
  w.i64(r.updated_at);
  w.byte(r.deleted ? 1 : 0);
}

bool decode(std::string_view in, model::ApiKey* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version, kRecordFormatVersion)) return false;
  out->id = r.u64();
  out->org_id = r.u64();
  out->user_id = r.u64();
  r.str(&out->name);
  r.str(&out->prefix);
  r.raw(out->hash.data(), out->hash.size());
  out->scopes = r.u32();
  out->expires_at = r.i64();
  out->last_used_at = r.i64();
  out->revoked_at = r.i64();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  out->deleted = r.boolean();
  return r.done();
}

std::string encode(const model::Organization& r) { return encode_to_string(r); }
std::string encode(const model::User& r) { return encode_to_string(r); }
std::string encode(const model::ApiKey& r) { return encode_to_string(r); }

}  // namespace claribi::storage
