#include "net/tls_context.h"

#include <openssl/cipher.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>

namespace claribi::net {

namespace {
int ex_index() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

std::string ssl_error() {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return buf;
}

int select_alpn(SSL*, const uint8_t** out, uint8_t* out_len, const uint8_t* in, unsigned in_len, void*) {
  static const uint8_t kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned i = 0; i < in_len;) {
    uint8_t len = in[i];
    if (i + 1 + len > in_len) break;
    if (len == sizeof kHttp11 && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *out_len = len;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  // A client that offers ALPN without http/1.1 cannot speak to us.
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}
}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsOptions& opts) {
  std::unique_ptr<TlsContext> t(new TlsContext());
  if (opts.session_tickets) t->rotate_ticket_key();
  auto ctx = t->build(opts);
  if (!ctx.ok()) return ctx.status();
  t->ctx_ = *ctx;
  return t;
}

Result<SSL_CTX*> TlsContext::build(const TlsOptions& opts) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::Internal("SSL_CTX_new failed");
  auto fail = [ctx](Status st) -> Result<SSL_CTX*> {
    SSL_CTX_free(ctx);
    return st;
  };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // TLS 1.2: ECDHE with AEAD ciphers only (Mozilla "intermediate"; no CBC,
  // so nothing for LUCKY13). TLS 1.3 suites are AEAD by definition.
  if (SSL_CTX_set_strict_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
    return fail(Status::Internal("cannot set the cipher list: " + ssl_error()));
  // The server's order wins (AES-GCM first), not the client's.
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, opts.cert_file.c_str()) != 1)
    return fail(Status::InvalidArgument("cannot load certificate " + opts.cert_file + ": " + ssl_error()));
  if (SSL_CTX_use_PrivateKey_file(ctx, opts.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail(Status::InvalidArgument("cannot load private key " + opts.key_file + ": " + ssl_error()));
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(Status::InvalidArgument("the private key " + opts.key_file + " does not match the certificate " +
                                        opts.cert_file));
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  static const uint8_t kSidCtx[] = "claribi";
  SSL_CTX_set_session_id_context(ctx, kSidCtx, sizeof kSidCtx - 1);
  // Release per-connection buffers while a connection is idle.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (opts.session_tickets) {
    SSL_CTX_set_ex_data(ctx, ex_index(), this);
    SSL_CTX_set_tlsext_ticket_key_cb(ctx, &TlsContext::ticket_callback);
  } else {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  return ctx;
}

SSL* TlsContext::new_ssl() {
  std::lock_guard<std::mutex> lock(ctx_mu_);
  return SSL_new(ctx_);
}

Status TlsContext::reload(const TlsOptions& opts) {
  // opts are the ones Create had (only the files' contents change), so the
  // ticket keys made then still serve.
  auto ctx = build(opts);
  if (!ctx.ok()) {
    ERR_clear_error();
    return ctx.status();
  }
  SSL_CTX* old;
  {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    old = ctx_;
    ctx_ = *ctx;
  }
  SSL_CTX_free(old);  // open connections hold their own references
  return Status::Ok();
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

void TlsContext::rotate_ticket_key() {
  TicketKey k;
  RAND_bytes(k.name, sizeof k.name);
  RAND_bytes(k.aes_key, sizeof k.aes_key);
  RAND_bytes(k.hmac_key, sizeof k.hmac_key);
  std::lock_guard<std::mutex> lock(key_mu_);
  if (has_current_) {
    previous_ = current_;
    has_previous_ = true;
  }
  current_ = k;
  has_current_ = true;
}

int TlsContext::ticket_callback(SSL* ssl, uint8_t* key_name, uint8_t* iv, EVP_CIPHER_CTX* cctx,
                                HMAC_CTX* hctx, int encrypt) {
  auto* self = static_cast<TlsContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (self == nullptr) return -1;
  TicketKey key;
  bool renew = false;
  {
    std::lock_guard<std::mutex> lock(self->key_mu_);
    if (encrypt) {
      key = self->current_;
    } else if (std::memcmp(key_name, self->current_.name, 16) == 0) {
      key = self->current_;
    } else if (self->has_previous_ && std::memcmp(key_name, self->previous_.name, 16) == 0) {
      key = self->previous_;
      renew = true;  // issue a ticket under the current key
    } else {
      return 0;  // unknown key: full handshake
    }
  }
  if (encrypt) {
    std::memcpy(key_name, key.name, 16);
    RAND_bytes(iv, 16);
    if (!EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), nullptr, key.aes_key, iv)) return -1;
  } else if (!EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), nullptr, key.aes_key, iv)) {
    return -1;
  }
  if (!HMAC_Init_ex(hctx, key.hmac_key, sizeof key.hmac_key, EVP_sha256(), nullptr)) return -1;
  return encrypt ? 1 : (renew ? 2 : 1);
}

}  // namespace claribi::net
