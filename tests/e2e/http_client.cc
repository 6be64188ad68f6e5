#include "e2e/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace claribi::e2e {

namespace {
int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::unique_ptr<HttpClient> HttpClient::plain(int port) {
  std::unique_ptr<HttpClient> c(new HttpClient());
  c->fd_ = connect_local(port);
  if (c->fd_ < 0) c->error_ = "connect failed";
  return c;
}

std::unique_ptr<HttpClient> HttpClient::tls(int port, const std::string& ca_file, const std::string& host,
                                            SSL_SESSION* resume) {
  std::unique_ptr<HttpClient> c(new HttpClient());
  c->fd_ = connect_local(port);
  if (c->fd_ < 0) {
    c->error_ = "connect failed";
    return c;
  }
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_session_cache_mode(c->ctx_, SSL_SESS_CACHE_CLIENT);
  SSL_CTX_sess_set_new_cb(c->ctx_, [](SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<HttpClient*>(SSL_get_app_data(ssl));
    if (self->session_ != nullptr) SSL_SESSION_free(self->session_);
    self->session_ = session;  // we keep the reference
    return 1;
  });
  if (!ca_file.empty()) {
    SSL_CTX_load_verify_locations(c->ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);
  }
  static const uint8_t kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(c->ctx_, kAlpn, sizeof kAlpn);
  c->ssl_ = SSL_new(c->ctx_);
  SSL_set_app_data(c->ssl_, c.get());
  SSL_set_fd(c->ssl_, c->fd_);
  SSL_set_tlsext_host_name(c->ssl_, host.c_str());
  if (!ca_file.empty()) {
    X509_VERIFY_PARAM* p = SSL_get0_param(c->ssl_);
    if (host == "127.0.0.1" || host == "::1") {
      X509_VERIFY_PARAM_set1_ip_asc(p, host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(p, host.c_str(), host.size());
    }
  }
  if (resume != nullptr) SSL_set_session(c->ssl_, resume);
  if (SSL_connect(c->ssl_) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    c->error_ = std::string("TLS handshake failed: ") + buf;
    ::close(c->fd_);
    c->fd_ = -1;
  }
  return c;
}

HttpClient::~HttpClient() {
  if (session_ != nullptr) SSL_SESSION_free(session_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool HttpClient::send(std::string_view bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    int n = ssl_ != nullptr ? SSL_write(ssl_, bytes.data() + off, int(bytes.size() - off))
                            : int(::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL));
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

int HttpClient::read_some(char* buf, size_t n, int timeout_ms) {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return SSL_read(ssl_, buf, int(n));
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return -2;  // timeout
  if (ssl_ != nullptr) {
    int r = SSL_read(ssl_, buf, int(n));
    if (r <= 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ) return -3;
    return r;
  }
  return int(::recv(fd_, buf, n, 0));
}

bool HttpClient::read_response(HttpResponse* out, int timeout_ms, bool keep_interim) {
  *out = HttpResponse();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto remaining = [&] {
    return int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
  };
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    char buf[16384];
    int n = read_some(buf, sizeof buf, std::max(remaining(), 0));
    if (n == -3) continue;
    if (n <= 0) return false;
    buffer_.append(buf, size_t(n));
  }
  std::string head = buffer_.substr(0, head_end);
  buffer_.erase(0, head_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return false;
  out->status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      out->headers[lower(line.substr(0, colon))] = v;
    }
    pos = e + 2;
  }
  if (out->status == 100) return keep_interim ? true : read_response(out, remaining());
  size_t len = out->headers.count("content-length") ? std::stoul(out->headers["content-length"]) : 0;
  while (buffer_.size() < len) {
    char buf[16384];
    int n = read_some(buf, sizeof buf, std::max(remaining(), 0));
    if (n == -3) continue;
    if (n <= 0) return false;
    buffer_.append(buf, size_t(n));
  }
  out->body = buffer_.substr(0, len);
  buffer_.erase(0, len);
  return true;
}

bool HttpClient::wait_closed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    char buf[4096];
    int n = read_some(buf, sizeof buf, left);
    if (n == -2) return false;
    if (n == -3) continue;
    if (n <= 0) return true;
  }
}

bool HttpClient::request(const std::string& method, const std::string& path, HttpResponse* out,
                         const std::string& headers, const std::string& body) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  return send(req) && read_response(out);
}

}  // namespace claribi::e2e
