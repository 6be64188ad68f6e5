-- wrk script for every scenario: headers and body from the environment, and
-- one machine-readable RESULT line at the end (requests, non-2xx count,
-- socket errors, req/s, p50 and p99 in microseconds). bench/run.sh fails the
-- run when any response was not 2xx, so an error path is never reported as
-- a fast result.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")
local key = os.getenv("BENCH_KEY")
local proxy = os.getenv("BENCH_PROXY")
local close = os.getenv("BENCH_CLOSE")

wrk.method = method
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if auth and auth ~= "" then wrk.headers["Authorization"] = "Bearer " .. auth end
if key and key ~= "" then wrk.headers["X-API-Key"] = key end
if proxy == "1" then wrk.headers["X-Forwarded-Proto"] = "https" end
if close == "1" then wrk.headers["Connection"] = "close" end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.0f %.0f %.0f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99)))
end
