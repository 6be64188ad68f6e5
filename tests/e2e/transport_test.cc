// End-to-end: the §1 transport and §3 error contract against the real
// claribi-server binary, over real sockets and real TLS.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <thread>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace claribi::e2e {
namespace {

// One server for the tests that do not need their own.
class TransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--trusted-proxies", "127.0.0.1", "--http-header-timeout", "1"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->running()) << server_->output(); }
  static ServerProcess* server_;
};
ServerProcess* TransportTest::server_ = nullptr;

std::string error_code(const std::string& body) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(body).get(e)) return "<not json: " + body + ">";
  std::string_view code, message, detail;
  if (e["error"].get(code) || e["message"].get(message) || e["detail"].get(detail)) return "<not a §3 body: " + body + ">";
  return std::string(code);
}

constexpr char kProxyHeaders[] = "X-Forwarded-Proto: https\r\n";

TEST_F(TransportTest, PlainListenerRequiresHttps) {
  auto c = HttpClient::plain(server_->plain_port());
  HttpResponse r;
  // Trusted peer but no X-Forwarded-Proto: still plain HTTP.
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r.body), "https_required");
  EXPECT_FALSE(r.header("x-request-id").empty());
  EXPECT_FALSE(r.header("date").empty());
}

TEST_F(TransportTest, UntrustedProxyHeaderIsIgnored) {
  ServerProcess untrusted;  // no trusted proxies
  ASSERT_TRUE(untrusted.running()) << untrusted.output();
  auto c = HttpClient::plain(untrusted.plain_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, kProxyHeaders));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r.body), "https_required");
}

TEST_F(TransportTest, TrustedProxyPassThrough) {
  auto c = HttpClient::plain(server_->plain_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, kProxyHeaders));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r.body), "unauthorized");
  EXPECT_EQ(r.header("www-authenticate"), "Bearer");
  EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(TransportTest, PlainHttpToTlsPortIsRefused) {
  auto c = HttpClient::plain(server_->tls_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r.body), "https_required");
  EXPECT_TRUE(c->wait_closed(5000));
}

TEST_F(TransportTest, TlsVerifiesDevCertificate) {
  std::string ca = server_->data_dir() + "/tls/dev-cert.pem";
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto c = HttpClient::tls(server_->tls_port(), ca, host);
    ASSERT_TRUE(c->ok()) << host << ": " << c->error();
    const uint8_t* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(c->ssl(), &alpn, &alpn_len);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_len), "http/1.1");
    HttpResponse r;
    ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(error_code(r.body), "unauthorized");
  }
  // A name the certificate does not carry must not verify.
  auto bad = HttpClient::tls(server_->tls_port(), ca, "example.com");
  EXPECT_FALSE(bad->ok());
}

TEST_F(TransportTest, TlsSessionResumption) {
  std::string ca = server_->data_dir() + "/tls/dev-cert.pem";
  SSL_SESSION* session = nullptr;
  {
    auto c = HttpClient::tls(server_->tls_port(), ca);
    ASSERT_TRUE(c->ok()) << c->error();
    HttpResponse r;
    ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r));  // TLS 1.3 tickets arrive after the handshake
    session = c->take_session();
  }
  ASSERT_NE(session, nullptr);
  auto c2 = HttpClient::tls(server_->tls_port(), ca, "localhost", session);
  ASSERT_TRUE(c2->ok()) << c2->error();
  EXPECT_TRUE(SSL_session_reused(c2->ssl()));
  SSL_SESSION_free(session);
}

TEST_F(TransportTest, NotFoundAndMethodNotAllowed) {
  auto c = HttpClient::tls(server_->tls_port());
  ASSERT_TRUE(c->ok()) << c->error();
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/nope/", &r));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r.body), "not_found");
  ASSERT_TRUE(c->request("DELETE", "/api/auth/status/", &r));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r.body), "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET, HEAD, OPTIONS");
  // The trailing slash is optional.
  ASSERT_TRUE(c->request("GET", "/api/auth/status", &r));
  EXPECT_EQ(r.status, 401);
}

TEST_F(TransportTest, RequestIdEchoedOrGenerated) {
  auto c = HttpClient::tls(server_->tls_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/nope/", &r, "X-Request-Id: abc-123\r\n"));
  EXPECT_EQ(r.header("x-request-id"), "abc-123");
  ASSERT_TRUE(c->request("GET", "/api/nope/", &r));
  std::string first = r.header("x-request-id");
  ASSERT_TRUE(c->request("GET", "/api/nope/", &r));
  EXPECT_FALSE(first.empty());
  EXPECT_NE(first, r.header("x-request-id"));
}

TEST_F(TransportTest, HeadTooLargeIs431) {
  auto c = HttpClient::tls(server_->tls_port());
  HttpResponse r;
  std::string big = "X-Big: " + std::string(17 * 1024, 'a') + "\r\n";
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, big));
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(error_code(r.body), "request_header_fields_too_large");
}

TEST_F(TransportTest, BodyTooLargeIs413BeforeItIsSent) {
  auto c = HttpClient::tls(server_->tls_port());
  // Only the head: the server must answer without waiting for 2 MiB.
  ASSERT_TRUE(c->send("POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 2097152\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r.body), "payload_too_large");
}

TEST_F(TransportTest, ChunkedBodyTooLargeIs413) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string chunk(512 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  std::string req = "POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += size_line + chunk + "\r\n";
  req += "0\r\n\r\n";
  c->send(req);
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 413);
}

TEST_F(TransportTest, ChunkedBodyIsReassembled) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string req = "POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"
                    "5\r\n{\"ema\r\n5\r\nil\": \r\n3\r\n12}\r\n0\r\n\r\n";
  ASSERT_TRUE(c->send(req));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  // {"email": 12} is valid JSON with a mistyped field: validation_error, not invalid_json.
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r.body), "validation_error") << r.body;
}

TEST_F(TransportTest, SlowHeadGets408AndClose) {
  auto c = HttpClient::tls(server_->tls_port());
  ASSERT_TRUE(c->send("GET /api/auth/status/ HTTP/1.1\r\nHost: x\r\n"));  // and then nothing
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r, 10000));
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(error_code(r.body), "request_timeout");
  EXPECT_TRUE(c->wait_closed(5000));
}

TEST_F(TransportTest, ThreePipelinedRequestsInOneWrite) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string req;
  req += "GET /api/nope/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n";
  req += "GET /api/auth/status/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n";
  req += "DELETE /api/auth/status/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\n\r\n";
  ASSERT_TRUE(c->send(req));
  HttpResponse r1, r2, r3;
  ASSERT_TRUE(c->read_response(&r1));
  ASSERT_TRUE(c->read_response(&r2));
  ASSERT_TRUE(c->read_response(&r3));
  EXPECT_EQ(r1.status, 404);
  EXPECT_EQ(r1.header("x-request-id"), "one");
  EXPECT_EQ(r2.status, 401);
  EXPECT_EQ(r2.header("x-request-id"), "two");
  EXPECT_EQ(r3.status, 405);
  EXPECT_EQ(r3.header("x-request-id"), "three");
}

// More pipelined requests than the per-connection queue holds (32), in one
// write over TLS: every one is answered, in order, and the connection goes
// on serving (it used to stall for good after 32).
TEST_F(TransportTest, HundredPipelinedRequestsOverTls) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string req;
  for (int i = 0; i < 100; ++i) req += "GET /api/nope/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: r" + std::to_string(i) + "\r\n\r\n";
  ASSERT_TRUE(c->send(req));
  for (int i = 0; i < 100; ++i) {
    HttpResponse r;
    ASSERT_TRUE(c->read_response(&r)) << "response " << i;
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("x-request-id"), "r" + std::to_string(i));
  }
  HttpResponse after;
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &after));
  EXPECT_EQ(after.status, 401);
}

TEST_F(TransportTest, KeepAliveReusesTheConnection) {
  auto c = HttpClient::plain(server_->plain_port());
  for (int i = 0; i < 20; ++i) {
    HttpResponse r;
    ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, kProxyHeaders)) << "request " << i;
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("connection"), "");
  }
}

TEST_F(TransportTest, Http10ClosesUnlessKeepAlive) {
  auto c = HttpClient::plain(server_->plain_port());
  ASSERT_TRUE(c->send(std::string("GET /api/auth/status/ HTTP/1.0\r\n") + kProxyHeaders + "\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c->wait_closed(5000));

  auto k = HttpClient::plain(server_->plain_port());
  ASSERT_TRUE(k->send(std::string("GET /api/auth/status/ HTTP/1.0\r\nConnection: keep-alive\r\n") + kProxyHeaders + "\r\n"));
  ASSERT_TRUE(k->read_response(&r));
  EXPECT_EQ(r.header("connection"), "keep-alive");
  ASSERT_TRUE(k->send(std::string("GET /api/auth/status/ HTTP/1.0\r\nConnection: keep-alive\r\n") + kProxyHeaders + "\r\n"));
  ASSERT_TRUE(k->read_response(&r));
  EXPECT_EQ(r.status, 401);
}

TEST_F(TransportTest, ExpectContinue) {
  auto c = HttpClient::tls(server_->tls_port());
  ASSERT_TRUE(c->send("POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  // The interim response comes before the body is sent.
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r, 5000, /*keep_interim=*/true));
  EXPECT_EQ(r.status, 100);
  ASSERT_TRUE(c->send("{}"));
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r.body), "validation_error");
}

TEST_F(TransportTest, InvalidJsonGivesOffset) {
  auto c = HttpClient::tls(server_->tls_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("POST", "/api/auth/login/", &r, "Content-Type: application/json\r\n", "{\"email\": x}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r.body), "invalid_json");
  EXPECT_NE(r.body.find("offset 10"), std::string::npos) << r.body;
  ASSERT_TRUE(c->request("POST", "/api/auth/login/", &r, "Content-Type: text/plain\r\n", "hello"));
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_code(r.body), "unsupported_media_type");
}

// Issue 15, defects 2-6 and 13: what RFC 9112 requires of a head, the
// header count, slow clients, and HSTS on HTTPS answers.
TEST_F(TransportTest, FieldNamesWithSpacesAre400AndClose) {
  for (const char* bad : {"X Foo: bar\r\n", "Authorization : Bearer abc\r\n"}) {
    auto c = HttpClient::tls(server_->tls_port());
    ASSERT_TRUE(c->send(std::string("GET /api/auth/status/ HTTP/1.1\r\nHost: x\r\n") + bad + "\r\n"));
    HttpResponse r;
    ASSERT_TRUE(c->read_response(&r)) << bad;
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(error_code(r.body), "bad_request") << r.body;
    EXPECT_TRUE(c->wait_closed(5000)) << bad;
  }
}

TEST_F(TransportTest, Http11WithoutHostOrWithTwoIs400) {
  for (const char* head : {"GET /api/auth/status/ HTTP/1.1\r\n\r\n",
                           "GET /api/auth/status/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    auto c = HttpClient::tls(server_->tls_port());
    ASSERT_TRUE(c->send(head));
    HttpResponse r;
    ASSERT_TRUE(c->read_response(&r)) << head;
    EXPECT_EQ(r.status, 400) << head;
    EXPECT_EQ(error_code(r.body), "bad_request") << r.body;
  }
}

TEST_F(TransportTest, AbsoluteFormTargetIsServed) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string target = "https://localhost:" + std::to_string(server_->tls_port()) + "/api/auth/status/";
  ASSERT_TRUE(c->send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 401) << "the status route answers (not 404): " << r.body;
}

TEST_F(TransportTest, SixtyFiveHeaderFieldsAreServed) {
  auto c = HttpClient::tls(server_->tls_port());
  std::string head = "GET /api/auth/status/ HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 64; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
  ASSERT_TRUE(c->send(head + "\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 401) << r.body;
}

TEST_F(TransportTest, TwoCredentialHeadersOfOneKindAre400) {
  for (const char* creds : {"Authorization: Bearer a.b.c\r\nAuthorization: Bearer d.e.f\r\n",
                            "X-API-Key: claribi_sk_one\r\nX-API-Key: claribi_sk_two\r\n"}) {
    auto c = HttpClient::tls(server_->tls_port());
    HttpResponse r;
    ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, creds));
    EXPECT_EQ(r.status, 400) << creds;
    EXPECT_EQ(error_code(r.body), "validation_error") << r.body;
  }
}

TEST_F(TransportTest, SilentConnectionsEndWithinTheHeaderTimeout) {
  // TCP to the TLS port, no ClientHello: closed (header_timeout is 1 s here).
  auto tcp = HttpClient::plain(server_->tls_port());
  ASSERT_TRUE(tcp->ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(tcp->wait_closed(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // A TLS connection that never sends a request: 408, then closed.
  auto tls = HttpClient::tls(server_->tls_port());
  ASSERT_TRUE(tls->ok());
  HttpResponse r;
  ASSERT_TRUE(tls->read_response(&r, 5000));
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(tls->wait_closed(5000));
}

TEST_F(TransportTest, HttpsAnswersCarryHstsPlainOnesDoNot) {
  auto c = HttpClient::tls(server_->tls_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r));
  EXPECT_EQ(r.header("strict-transport-security"), "max-age=31536000");
  auto p = HttpClient::plain(server_->plain_port());
  ASSERT_TRUE(p->request("GET", "/api/auth/status/", &r, "X-Forwarded-Proto: http\r\n"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("strict-transport-security"), "") << "never over plain HTTP (RFC 6797 §7.2)";
  ASSERT_TRUE(p->request("GET", "/api/auth/status/", &r, kProxyHeaders));
  EXPECT_EQ(r.header("strict-transport-security"), "max-age=31536000") << "HTTPS through the trusted proxy";
}

TEST(TransportSlowBody, ABodyBelowTheMinimumRateGets408) {
  ServerProcess server({"--http-header-timeout", "1", "--http-min-body-rate", "100", "--http-hsts-max-age", "0"});
  ASSERT_TRUE(server.running()) << server.output();
  auto c = HttpClient::tls(server.tls_port());
  ASSERT_TRUE(c->send("POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 100000\r\n\r\n{"));
  auto t0 = std::chrono::steady_clock::now();
  HttpResponse r;
  bool answered = false;
  for (int i = 0; i < 8 && !answered; ++i) {  // one byte every 0.5 s: 2 bytes/s, far below 100
    ASSERT_TRUE(c->send(" ") || i > 0);
    answered = c->read_response(&r, 500);
  }
  ASSERT_TRUE(answered) << "still open after 4 s";
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(error_code(r.body), "request_timeout") << r.body;
  EXPECT_EQ(r.header("strict-transport-security"), "") << "--http-hsts-max-age 0 sends none";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  EXPECT_TRUE(c->wait_closed(5000));

  // The same body at a good pace is read whole (positive control).
  auto ok = HttpClient::tls(server.tls_port());
  std::string body = "{\"email\": \"a@b.c\", \"password\": \"" + std::string(900, 'x') + "\"}";
  ASSERT_TRUE(ok->send("POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  for (size_t i = 0; i < body.size(); i += 150) {
    ASSERT_TRUE(ok->send(body.substr(i, 150)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // 750 bytes/s
  }
  ASSERT_TRUE(ok->read_response(&r));
  EXPECT_EQ(r.status, 401) << r.body;
}

TEST(TransportCors, PreflightAndSimpleRequests) {
  ServerProcess server({"--cors-allowed-origins", "https://app.example.com"});
  ASSERT_TRUE(server.running()) << server.output();
  auto c = HttpClient::tls(server.tls_port());
  HttpResponse r;
  ASSERT_TRUE(c->request("OPTIONS", "/api/auth/status/", &r,
                         "Origin: https://app.example.com\r\nAccess-Control-Request-Method: GET\r\n"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://app.example.com");
  EXPECT_NE(r.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_NE(r.header("access-control-allow-headers").find("X-API-Key"), std::string::npos);
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, "Origin: https://app.example.com\r\n"));
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://app.example.com");
  ASSERT_TRUE(c->request("GET", "/api/auth/status/", &r, "Origin: https://evil.example.com\r\n"));
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
  ASSERT_TRUE(c->request("OPTIONS", "/api/auth/status/", &r,
                         "Origin: https://evil.example.com\r\nAccess-Control-Request-Method: GET\r\n"));
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
}

TEST(TransportLimits, MaxConnectionsClosesNewOnes) {
  ServerProcess server({"--max-connections", "2", "--threads", "1"});
  ASSERT_TRUE(server.running()) << server.output();
  auto a = HttpClient::plain(server.plain_port());
  auto b = HttpClient::plain(server.plain_port());
  HttpResponse r;
  ASSERT_TRUE(a->request("GET", "/api/nope/", &r));
  ASSERT_TRUE(b->request("GET", "/api/nope/", &r));
  auto c = HttpClient::plain(server.plain_port());
  EXPECT_TRUE(c->wait_closed(5000));  // closed at accept
  EXPECT_TRUE(a->request("GET", "/api/nope/", &r));  // the open ones still work
}

TEST(TransportShutdown, SigtermFinishesInFlightRequest) {
  ServerProcess server;
  ASSERT_TRUE(server.running()) << server.output();
  auto c = HttpClient::tls(server.tls_port());
  ASSERT_TRUE(c->ok());
  // Head and half the body: the request is in flight when SIGTERM lands.
  std::string body = "{\"email\": \"a@b.c\", \"password\": \"x\"}";
  ASSERT_TRUE(c->send("POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(server.pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(c->send(body.substr(10)));
  HttpResponse r;
  ASSERT_TRUE(c->read_response(&r));
  EXPECT_EQ(r.status, 401);  // unknown user: invalid_credentials, answered in full
  EXPECT_EQ(error_code(r.body), "invalid_credentials");
  EXPECT_EQ(server.terminate(), 0);
}

TEST(TransportConfig, BadValueExitsWith2) {
  std::string cmd = std::string(CLARIBI_SERVER_BIN) + " --listen nonsense >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace claribi::e2e
