// The embedded RocksDB engine (rocks_database.cc): opened through
// Database::Open unless a PostgreSQL URL is set.
#pragma once

#include <memory>

#include "storage/database.h"

namespace claribi::storage {

Result<std::unique_ptr<Database>> open_rocksdb(const DatabaseOptions& options);

}  // namespace claribi::storage
