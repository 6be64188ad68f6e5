#include "support/in_process_server.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "api/pipeline.h"
#include "index/qsbr.h"
#include "server/admin_commands.h"

namespace claribi::testing {

namespace {
constexpr std::string_view kPassword = "in-process-password-1";
constexpr std::string_view kJwtSecret = "in-process-server-jwt-secret-0123456789abcdef";

std::string line_value(const std::string& text, std::string_view label) {
  size_t at = text.find(std::string(label) + ": ");
  if (at == std::string::npos) return {};
  at += label.size() + 2;
  size_t end = text.find('\n', at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}
}  // namespace

// ---- client -----------------------------------------------------------------

InProcessClient::InProcessClient(net::Reactor& reactor, std::string_view peer, bool trusted_proxy)
    : reactor_(reactor), session_(reactor, *this) {
  session_.set_peer(peer, trusted_proxy);
}

std::string_view InProcessClient::send(std::string_view raw) {
  session_.output().clear();
  while (!raw.empty()) {
    size_t avail = 0;
    char* p = session_.write_ptr(&avail);
    if (avail == 0) break;  // the parser refused more (it answered with an error)
    size_t n = std::min(avail, raw.size());
    std::memcpy(p, raw.data(), n);
    session_.commit(n);
    raw.remove_prefix(n);
    session_.process_input();
    drain();
    if (session_.resume_if_below_limit()) session_.process_input();
    if (session_.closing_after_output()) break;
  }
  drain();
  return session_.output();
}

void InProcessClient::drain() {
  for (;;) {
    while (session_.outstanding() > 0) reactor_.run_once();
    if (!session_.sending_body()) return;
    session_.produce_body(size_t(1) << 20);  // a body sent in parts, as a fast reader takes it
  }
}

// ---- server -----------------------------------------------------------------

Result<std::unique_ptr<InProcessServer>> InProcessServer::start(const InProcessOptions& options) {
  std::unique_ptr<InProcessServer> s(new InProcessServer);
  if (Status st = s->setup(options); !st.ok()) return st;
  return s;
}

Status InProcessServer::setup(const InProcessOptions& options) {
  char tmpl[] = "/tmp/claribi-inprocess-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Status::IoError("mkdtemp failed");
  dir_ = tmpl;
  config_.data_dir = dir_;
  config_.rate_limits.jwt_per_minute = options.jwt_per_minute;
  config_.rate_limits.api_key_per_minute = options.api_key_per_minute;
  config_.auth.argon2_memory_kib = 1024;  // setup speed; the hash is still argon2id
  config_.auth.argon2_iterations = 1;
  auto app = server::App::open(config_, std::string(kJwtSecret), 1);
  if (!app.ok()) return app.status();
  app_ = std::move(app.value());
  qsbr_slot_ = app_->qsbr().register_reader();
  app_->qsbr().online(qsbr_slot_);

  server::AdminCommands admin(config_, app_->identity(), app_->db());
  server::AdminOutput boot = admin.run({"bootstrap", "--org", "Acme Corp", "--plan", "professional", "--ai-credits",
                                        "1000", "--email", email_, "--password", std::string(kPassword),
                                        "--first-name", "Ada", "--last-name", "Admin"},
                                       "/");
  if (boot.exit_code != 0) return Status::Internal("bootstrap: " + boot.err);
  org_id_ = std::stoull(line_value(boot.out, "organization_id"));
  admin_id_ = std::stoull(line_value(boot.out, "user_id"));
  server::AdminOutput key = admin.run(
      {"keys", "create", "--email", email_, "--name", "in-process", "--scopes", options.key_scopes}, "/");
  if (key.exit_code != 0) return Status::Internal("keys create: " + key.err);
  key_ = line_value(key.out, "key");

  net::NetOptions no;
  no.access_log = net::AccessLogMode::kOff;
  reactor_ = std::make_unique<net::Reactor>(0, no, shared_, app_->pipeline(), nullptr, nullptr);

  app_->serving().ready.store(true);
  auto client = connect();
  std::string login = "{\"email\":\"" + email_ + "\",\"password\":\"" + std::string(kPassword) + "\"}";
  std::string request =
      "POST /api/auth/login/ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(login.size()) + "\r\n\r\n" + login;
  std::string_view answer = client->send(request);
  if (response_status(answer) != 200) return Status::Internal("login: " + std::string(answer));
  access_ = json_string_field(response_body(answer), "access");
  if (access_.empty()) return Status::Internal("login: no access token in " + std::string(answer));
  return Status::Ok();
}

InProcessServer::~InProcessServer() {
  reactor_.reset();
  if (app_ && qsbr_slot_ >= 0) {
    app_->qsbr().offline(qsbr_slot_);
    app_->qsbr().unregister_reader(qsbr_slot_);
  }
  app_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<InProcessClient> InProcessServer::connect(std::string_view peer, bool trusted_proxy) {
  return std::make_unique<InProcessClient>(*reactor_, peer, trusted_proxy);
}

void InProcessServer::quiescent() { app_->qsbr().quiescent(qsbr_slot_); }

// ---- response pieces ------------------------------------------------------------

int response_status(std::string_view response) {
  // "HTTP/1.1 200 OK"
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return 0;
  return (response[9] - '0') * 100 + (response[10] - '0') * 10 + (response[11] - '0');
}

std::string_view response_body(std::string_view response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string_view::npos ? std::string_view() : response.substr(at + 4);
}

std::string json_string_field(std::string_view body, std::string_view name) {
  std::string needle = "\"" + std::string(name) + "\":\"";
  size_t at = body.find(needle);
  if (at == std::string_view::npos) return {};
  at += needle.size();
  size_t end = body.find('"', at);
  return end == std::string_view::npos ? std::string() : std::string(body.substr(at, end - at));
}

}  // namespace claribi::testing
