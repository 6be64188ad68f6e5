// A small blocking HTTP/1.1 client over plain TCP or TLS (BoringSSL), for
// end-to-end tests that need byte-level control: pipelining, partial heads,
// oversized heads, connection reuse.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace claribi::e2e {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  static std::unique_ptr<HttpClient> plain(int port);
  // ca_file empty: no verification. Otherwise the chain must verify for host.
  static std::unique_ptr<HttpClient> tls(int port, const std::string& ca_file = "",
                                         const std::string& host = "localhost",
                                         SSL_SESSION* resume = nullptr);
  ~HttpClient();
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  bool send(std::string_view bytes);
  // One response (Content-Length framed). False on EOF, error or timeout.
  // Interim 1xx responses are skipped unless keep_interim is set.
  bool read_response(HttpResponse* out, int timeout_ms = 10000, bool keep_interim = false);
  // True when the peer closes the connection within timeout_ms.
  bool wait_closed(int timeout_ms);
  SSL* ssl() const { return ssl_; }
  // A resumable session the server sent (TLS 1.3 tickets arrive after the
  // handshake: read a response first). The caller frees it.
  SSL_SESSION* take_session() {
    SSL_SESSION* s = session_;
    session_ = nullptr;
    return s;
  }
  // Simple request helper: method, path, extra header lines, body.
  bool request(const std::string& method, const std::string& path, HttpResponse* out,
               const std::string& headers = "", const std::string& body = "");

 private:
  HttpClient() = default;
  int read_some(char* buf, size_t n, int timeout_ms);
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  SSL_SESSION* session_ = nullptr;
  std::string buffer_;
  std::string error_;
};

}  // namespace claribi::e2e
