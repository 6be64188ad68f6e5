// The HTTP/1.1 byte stream of one connection, through net::HttpSession as
// Connection drives it: the input is cut into reads at sizes taken from its
// own first bytes (what TLS records and TCP segments do to the plaintext),
// with pipelining, chunked and streamed bodies, 100-continue, and answers
// sent in parts (http::BodySource). The handler answers every request at
// once: "/stream..." takes a streamed body, "/big" answers 200 KiB in
// parts, anything else a small body.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "http/body_source.h"
#include "net/http_session.h"
#include "net/reactor.h"

namespace {

using namespace claribi;

class Consumer final : public net::BodyConsumer {
 public:
  explicit Consumer(net::Exchange& ex) : ex_(ex) {}
  bool on_body(std::string_view bytes) override {
    bytes_ += bytes.size();
    return true;
  }
  void on_body_end() override { answer(200); }
  void on_body_abort(http::ErrorCode code, std::string_view detail) override {
    http::render_error(ex_.response(), code, detail);
    done();
  }

 private:
  void answer(int status) {
    ex_.response().status = status;
    ex_.response().body = std::to_string(bytes_);
    done();
  }
  void done() {
    ex_.finish();
    delete this;
  }
  net::Exchange& ex_;
  size_t bytes_ = 0;
};

class Handler final : public net::RequestHandler {
 public:
  http::Http1Parser::BodyPolicy body_policy(const http::Request& head) const override {
    return {4096, head.path.substr(0, 7) == "/stream"};
  }
  void handle(net::Exchange& ex) override {
    std::string_view path = ex.request().path;
    if (path.substr(0, 7) == "/stream") {
      ex.stream_body(new Consumer(ex));
      return;
    }
    http::Response& r = ex.response();
    r.status = 200;
    if (path == "/big") {
      auto body = std::make_unique<http::PartsBody>();
      body->add(std::string(100 * 1024, 'a')).add(std::string(ex.request().body), true).add(std::string(100 * 1024, 'b'));
      r.stream = std::move(body);
    } else {
      r.body.assign(ex.request().body);
    }
    ex.finish();
  }
};

class Owner final : public net::SessionOwner {
 public:
  void exchange_completed() override {}
  void input_resumed() override { resumed = true; }
  bool resumed = false;
};

struct World {
  World() : reactor(0, options(), shared, handler, nullptr, nullptr) {}
  static net::NetOptions options() {
    net::NetOptions o;
    o.access_log = net::AccessLogMode::kOff;
    o.limits.max_head_bytes = 4096;
    o.limits.max_body_bytes = 4096;
    o.max_pipelined = 4;
    return o;
  }
  net::NetShared shared;
  Handler handler;
  net::Reactor reactor;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();  // one reactor for every input (never started)
  Owner owner;
  auto session = std::make_unique<net::HttpSession>(world->reactor, owner);
  session->set_peer("127.0.0.1", true);
  session->set_secure(size > 0 && (data[0] & 1) != 0);
  size_t cut_seed = size > 1 ? data[1] : 7;
  size_t pos = 0;
  for (int round = 0; pos < size && round < 4096; ++round) {
    size_t want = 1 + (cut_seed * 31 + round * 17) % 97;
    size_t avail = 0;
    char* p = session->write_ptr(&avail);
    size_t n = std::min({want, avail, size - pos});
    if (n > 0) {
      std::memcpy(p, data + pos, n);
      session->commit(n);
      pos += n;
    }
    session->process_input();
    while (session->sending_body()) session->produce_body(64 * 1024);
    session->output().clear();
    if (session->resume_if_below_limit() || owner.resumed) {
      owner.resumed = false;
      session->process_input();
    }
    if (session->closing_after_output()) break;
    if (n == 0 && avail == 0) break;  // the parser takes nothing more
  }
  session->peer_gone();
  session->close();
  return 0;
}
