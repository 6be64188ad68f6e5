// Development certificate: with no certificate configured, the server makes
// a self-signed ECDSA P-256 certificate once, with SANs localhost, 127.0.0.1
// and ::1, at <data-dir>/tls/dev-cert.pem (key beside it, mode 0600), so
// `curl --cacert <data-dir>/tls/dev-cert.pem https://localhost:8443/` verifies.
#pragma once

#include <string>

#include "common/status.h"

namespace claribi::net {

struct CertPaths {
  std::string cert_file;
  std::string key_file;
};

// Returns the paths of the dev certificate under data_dir, creating it if it
// does not exist yet.
Result<CertPaths> ensure_dev_certificate(const std::string& data_dir);

}  // namespace claribi::net
