// libpq, loaded at run time (dlopen) by the PostgreSQL engine only.
//
// Why not linked: the server uses BoringSSL, whose symbols are unversioned,
// and libpq needs OpenSSL 3's libssl/libcrypto. Linked into one process, the
// dynamic linker binds libpq's SSL and EVP calls to whichever library comes
// first — BoringSSL, with OpenSSL's structures expected. Loaded with
// RTLD_DEEPBIND, libpq binds to its own OpenSSL first and the rest of the
// server never sees either; a server on the embedded engine never loads it.
// (Sanitizer runtimes refuse RTLD_DEEPBIND, so sanitizer builds load it
// without: fine for the tests, which connect without TLS.)
#pragma once

#include <libpq-fe.h>

#include <string>

namespace claribi::storage {

struct PgApi {
#define CLARIBI_PQ_FUNCTIONS(X)                                                                              \
  X(PQclear) X(PQconnectdbParams) X(PQconsumeInput) X(PQfreemem) X(PQnotifies) X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams)              \
  X(PQexitPipelineMode) X(PQfinish) X(PQgetResult) X(PQgetlength) X(PQgetvalue) X(PQntuples)                \
  X(PQpipelineStatus) X(PQpipelineSync) X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField) X(PQresultErrorMessage)           \
  X(PQresultStatus) X(PQsendQueryParams) X(PQsetSingleRowMode) X(PQsocket) X(PQstatus) X(PQtransactionStatus)
#define CLARIBI_PQ_MEMBER(name) decltype(&::name) name = nullptr;
  CLARIBI_PQ_FUNCTIONS(CLARIBI_PQ_MEMBER)
#undef CLARIBI_PQ_MEMBER
};

// libpq's functions, loaded on the first call (thread-safe); null with *why
// set when libpq.so.5 (Debian: libpq5) cannot be loaded.
const PgApi* pg_api(std::string* why);

}  // namespace claribi::storage
