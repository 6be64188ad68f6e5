// The storage engine the settings name (storage.backend and its settings),
// for the server and for claribi-admin working on a stopped server alike.
#pragma once

#include "config/config.h"
#include "storage/database.h"

namespace claribi::server {

storage::DatabaseOptions database_options(const Config& config);

}  // namespace claribi::server
