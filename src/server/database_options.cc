#include "server/database_options.h"

#include "config/quote.h"

namespace claribi::server {

storage::DatabaseOptions database_options(const Config& config) {
  storage::DatabaseOptions o;
  o.path = config.data_dir + "/db";
  o.block_cache_bytes = size_t(config.storage.block_cache_mb) << 20;
  if (config.storage.backend == StorageBackend::kPostgresql) {
    o.postgresql = true;  // an empty URL is refused when it opens, naming the setting
    o.postgresql_url = config.storage.postgresql_url;
    o.postgresql_shown = mask_url_password(config.storage.postgresql_url);
  }
  return o;
}

}  // namespace claribi::server
