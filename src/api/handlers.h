// Handler functions, one file per resource. Declared here so the route table
// can name them.
#pragma once

#include "api/route_table.h"

namespace claribi::api {

// auth_handlers.cc
void handle_login(Ctx& c);
void handle_refresh(Ctx& c);
void handle_logout(Ctx& c);
void handle_password_change(Ctx& c);
void handle_status(Ctx& c);

// api_keys.cc
void handle_api_keys_list(Ctx& c);
void handle_api_keys_create(Ctx& c);
void handle_api_key_get(Ctx& c);
void handle_api_key_patch(Ctx& c);
void handle_api_key_put(Ctx& c);
void handle_api_key_delete(Ctx& c);
void handle_api_key_rotate(Ctx& c);
void handle_api_key_revoke(Ctx& c);

// users.cc
void handle_users_list(Ctx& c);
void handle_users_create(Ctx& c);
void handle_user_get(Ctx& c);
void handle_user_patch(Ctx& c);
void handle_user_put(Ctx& c);
void handle_user_delete(Ctx& c);

// organization.cc
void handle_organization_get(Ctx& c);
void handle_organization_patch(Ctx& c);

}  // namespace claribi::api
