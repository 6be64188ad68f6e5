// The HTTP pieces on the hot path: parsing a typical request head, matching
// it in the route table, and rendering the /api/auth/status/ response (body
// and head) into reused buffers.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "common/json_writer.h"
#include "http/date_cache.h"
#include "http/http1_parser.h"
#include "http/response.h"
#include "http/router.h"

namespace {

using namespace claribi;

constexpr std::string_view kRequest =
    "GET /api/auth/status/ HTTP/1.1\r\nHost: localhost:8443\r\nUser-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwi"
    "ZXhwIjoxNzY0MjgzNjAwLCJpYXQiOjE3NjQyODAwMDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9p"
    "ZCI6MSwib3JnX2lkIjoxLCJ2ZXIiOjF9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dQ\r\n"
    "X-Forwarded-Proto: https\r\n\r\n";

void BM_ParseTypicalRequest(benchmark::State& state) {
  http::Http1Parser parser({});
  for (auto _ : state) {
    size_t avail = 0;
    char* dst = parser.write_ptr(&avail);
    std::memcpy(dst, kRequest.data(), kRequest.size());
    parser.commit(kRequest.size());
    auto st = parser.next();
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(parser.request().header("authorization"));
    parser.next();  // kNeedMore: ready for the next request
  }
}
BENCHMARK(BM_ParseTypicalRequest);

void BM_RouterMatch(benchmark::State& state) {
  http::Router r;
  const char* patterns[] = {"/api/auth/login/", "/api/auth/token/refresh/", "/api/auth/logout/",
                            "/api/auth/password/", "/api/auth/status/", "/api/api-keys/",
                            "/api/api-keys/{id}/", "/api/api-keys/{id}/rotate/", "/api/users/", "/api/users/{id}/"};
  int i = 0;
  for (const char* p : patterns) r.add(http::Method::kGet, p, i++);
  for (auto _ : state) benchmark::DoNotOptimize(r.match(http::Method::kGet, "/api/auth/status/"));
}
BENCHMARK(BM_RouterMatch);

void BM_StatusRender(benchmark::State& state) {
  http::Response res;
  http::DateCache date;
  std::string out;
  res.body.reserve(512);
  out.reserve(1024);
  for (auto _ : state) {
    res.reset();
    JsonWriter w(res.body);
    w.begin_object();
    w.key("user").begin_object();
    w.field("id", uint64_t(1)).field("email", "you@example.com").field("first_name", "Jane");
    w.field("last_name", "Smith").field("role", "administrator");
    w.end_object();
    w.key("organization").begin_object();
    w.field("id", uint64_t(1)).field("name", "Acme Corp").field("plan", "professional");
    w.field("ai_credits_remaining", int64_t(1347));
    w.end_object();
    w.key("auth").begin_object().field("method", "jwt").end_object();
    w.end_object();
    res.extra_headers.append("X-RateLimit-Limit: 1000\r\nX-RateLimit-Remaining: 999\r\n");
    http::ResponseMeta meta;
    meta.date = date.get();
    meta.request_id = "4c637c0f000000000002";
    out.clear();
    http::serialize_response(res, meta, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_StatusRender);

}  // namespace

BENCHMARK_MAIN();
