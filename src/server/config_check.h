// claribi-server --check-config, like `nginx -t`: everything the server reads
// before it serves is read and checked, nothing is opened for writing and
// nothing is created (no data directory, no JWT secret, no development
// certificate, no listening socket: a running server may hold the ports).
// The report lists the effective value of every setting, secrets masked
// (the SMTP relay's password, CLARIBI_JWT_SECRET), then each check.
#pragma once

#include <string>

#include "config/config.h"

namespace claribi::server {

// True when the server would start with `config`; *report says why or why not.
bool check_config(const Config& config, std::string* report);

}  // namespace claribi::server
