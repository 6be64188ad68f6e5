// JSON renderings of the identity records (§4, §6), shared by handlers.
#pragma once

#include "common/json_writer.h"
#include "model/records.h"

namespace claribi::api {

void write_user(JsonWriter& w, const model::User& u);
void write_organization_brief(JsonWriter& w, const model::Organization& o);
void write_api_key(JsonWriter& w, const model::ApiKey& k);
void write_scopes(JsonWriter& w, uint32_t scopes);

}  // namespace claribi::api
