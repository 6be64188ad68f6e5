// Full request handling without sockets: raw request bytes into a
// net::HttpSession, through the server's pipeline (credential check,
// limiter, handler, rendering), serialized response bytes out — the exact
// code claribi-server runs per request, minus the kernel and TLS. Each
// benchmark also reports heap allocations per request on the serving thread
// (tests/support/alloc_counter: operator new and malloc).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "support/alloc_counter.h"
#include "support/in_process_server.h"

namespace {

using claribi::testing::InProcessClient;
using claribi::testing::InProcessOptions;
using claribi::testing::InProcessServer;

InProcessServer* g_server = nullptr;  // started by the first benchmark, stopped by main

InProcessServer& server() {
  static InProcessServer* s = [] {
    InProcessOptions o;
    // The tracked maximum: the limiter runs on every request but never cuts a run.
    o.jwt_per_minute = 16'000'000;
    o.api_key_per_minute = 16'000'000;
    auto started = InProcessServer::start(o);
    if (!started.ok()) {
      std::fprintf(stderr, "in-process server: %s\n", started.status().message().c_str());
      std::exit(1);
    }
    g_server = std::move(started.value()).release();
    return g_server;
  }();
  return *s;
}

std::string head(std::string_view method, std::string_view target) {
  return std::string(method) + " " + std::string(target) +
         " HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: wrk\r\nAccept: application/json\r\n"
         "X-Forwarded-Proto: https\r\n";
}
std::string jwt_request(std::string_view method, std::string_view target) {
  return head(method, target) + "Authorization: Bearer " + server().access_token() + "\r\n";
}
std::string status_jwt() { return jwt_request("GET", "/api/auth/status/") + "\r\n"; }
std::string status_key() { return head("GET", "/api/auth/status/") + "X-API-Key: " + server().api_key() + "\r\n\r\n"; }
std::string create_dashboard() {
  std::string body =
      R"({"name":"bench","widgets":[{"type":"kpi","query":{"data_source_id":3,"metrics":[{"op":"count"}]}}]})";
  return jwt_request("POST", "/api/dashboards/") + "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

int status_of(std::string_view answer) { return claribi::testing::response_status(answer); }

// Every measured request goes through here, so `valgrind --tool=callgrind
// --toggle-collect='*serve_measured*'` counts exactly the measured work
// (bench/callgrind.sh divides by the count printed at exit).
uint64_t g_served = 0;
__attribute__((noinline)) std::string_view serve_measured(InProcessClient& c, const std::string& raw, int requests) {
  g_served += uint64_t(requests);
  return c.send(raw);
}

// Sends `raw` (holding `requests` requests) per iteration; fails the
// benchmark on any answer other than `expect`.
void run_requests(benchmark::State& state, const std::string& raw, int requests, int expect) {
  InProcessServer& s = server();
  std::unique_ptr<InProcessClient> c = s.connect();
  for (int i = 0; i < 64; ++i) c->send(raw);  // warm pools, buffers and limiter slots
  uint64_t allocations = 0;
  uint64_t bytes = 0;
  int n = 0;
  for (auto _ : state) {
    uint64_t before = claribi::testing::thread_allocations();
    std::string_view answer = serve_measured(*c, raw, requests);
    allocations += claribi::testing::thread_allocations() - before;
    bytes += answer.size();
    if (status_of(answer) != expect) {
      state.SkipWithError(("unexpected answer: " + std::string(answer.substr(0, 200))).c_str());
      break;
    }
    if (++n % 256 == 0) s.quiescent();
  }
  state.SetItemsProcessed(state.iterations() * requests);
  state.SetBytesProcessed(int64_t(bytes));
  state.counters["allocs/req"] =
      benchmark::Counter(double(allocations) / double(std::max<int64_t>(1, state.iterations() * requests)));
}

void BM_Request_StatusJwt(benchmark::State& state) { run_requests(state, status_jwt(), 1, 200); }
BENCHMARK(BM_Request_StatusJwt);

void BM_Request_StatusApiKey(benchmark::State& state) { run_requests(state, status_key(), 1, 200); }
BENCHMARK(BM_Request_StatusApiKey);

void BM_Request_StatusJwtPipelined8(benchmark::State& state) {
  std::string raw;
  for (int i = 0; i < 8; ++i) raw += status_jwt();
  run_requests(state, raw, 8, 200);
}
BENCHMARK(BM_Request_StatusJwtPipelined8);

// GET /api/dashboards/: the first page of 20 of 1,000 dashboards.
void BM_Request_DashboardsPage20(benchmark::State& state) {
  static bool seeded = [] {
    auto c = server().connect();
    std::string create = create_dashboard();
    for (int i = 0; i < 1000; ++i) {
      if (status_of(c->send(create)) != 201) return false;
    }
    return true;
  }();
  if (!seeded) {
    state.SkipWithError("seeding dashboards failed");
    return;
  }
  run_requests(state, jwt_request("GET", "/api/dashboards/") + "\r\n", 1, 200);
}
BENCHMARK(BM_Request_DashboardsPage20);

// POST /api/dashboards/: one durable create per iteration (the RocksDB write
// with sync=true happens on the writer thread; the time includes the fsync).
void BM_Request_CreateDashboardDurable(benchmark::State& state) { run_requests(state, create_dashboard(), 1, 201); }
BENCHMARK(BM_Request_CreateDashboardDurable)->Iterations(300);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete g_server;  // stops the App and removes its scratch directory
  if (std::getenv("CLARIBI_REPORT_SERVED") != nullptr) std::fprintf(stderr, "served %llu requests\n", (unsigned long long)g_served);
  return 0;
}
