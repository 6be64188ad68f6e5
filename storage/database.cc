// Database::Open: which engine serves the options.
#include "storage/database.h"

#include "storage/pg_database.h"
#include "storage/rocks_database.h"

namespace claribi::storage {

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (!options.postgresql) return open_rocksdb(options);
  PgOptions pg;
  pg.url = options.postgresql_url;
  pg.shown = options.postgresql_shown.empty() ? std::string("(the configured URL)") : options.postgresql_shown;
  return OpenPostgres(pg);
}

}  // namespace claribi::storage
