// TlsContext: the SSL_CTX every reactor's new connections use. TLS 1.2 and
// 1.3 only, ALPN http/1.1, session resumption by tickets (keys made here and
// rotated on a timer; the previous key still decrypts for one more period)
// and by the server-side session cache for TLS 1.2 clients without tickets.
//
// reload() (SIGHUP) builds a whole new SSL_CTX from the certificate and key
// files and swaps it in for connections accepted from then on; connections
// already open keep the SSL_CTX they were made with (each SSL holds a
// reference), so nothing is dropped. A new certificate that does not load,
// or whose key does not match, leaves the current one serving. Ticket keys
// belong to the TlsContext, not the SSL_CTX: tickets survive a reload.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "common/status.h"

namespace claribi::net {

struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  bool session_tickets = true;
};

class TlsContext {
 public:
  static Result<std::unique_ptr<TlsContext>> Create(const TlsOptions& opts);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A server-side SSL for a new connection, from the current SSL_CTX.
  SSL* new_ssl();
  // Re-reads opts' certificate and key into a new SSL_CTX; on an error the
  // current one stays and the error says why. Thread-safe.
  Status reload(const TlsOptions& opts);
  // Makes a new ticket key current; the old one keeps decrypting until the
  // next rotation. Thread-safe.
  void rotate_ticket_key();

 private:
  TlsContext() = default;
  struct TicketKey {
    uint8_t name[16];
    uint8_t aes_key[16];
    uint8_t hmac_key[32];
  };
  static int ticket_callback(SSL* ssl, uint8_t* key_name, uint8_t* iv, EVP_CIPHER_CTX* cctx,
                             HMAC_CTX* hctx, int encrypt);
  // A configured SSL_CTX for opts (ticket callback bound to this), or why not.
  Result<SSL_CTX*> build(const TlsOptions& opts);

  std::mutex ctx_mu_;  // guards ctx_ (taken per new connection and by reload)
  SSL_CTX* ctx_ = nullptr;
  std::mutex key_mu_;
  TicketKey current_{};
  TicketKey previous_{};
  bool has_current_ = false;
  bool has_previous_ = false;
};

}  // namespace claribi::net
