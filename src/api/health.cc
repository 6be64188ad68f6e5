// GET /api/health/: what a load balancer (HAProxy's `option httpchk`) or a
// Kubernetes probe asks. Public and never rate limited (the route table says
// so); not written to a sampled access log, so probes every second do not
// crowd out the requests the samples are for.
//   200 {"status":"ok"}  serving, and storage takes durable writes
//   503 §3 body          still starting, draining after SIGTERM, or storage
//                        cannot write (the detail says which)
#include <string>

#include "api/handlers.h"
#include "http/error.h"

namespace claribi::api {

void handle_health(Ctx& c) {
  c.ex.leave_out_of_sampled_log();
  const ServingState& s = c.app.serving;
  std::string problem;
  if (!s.ready.load(std::memory_order_relaxed)) {
    problem = "The server is starting.";
  } else if (s.draining.load(std::memory_order_relaxed)) {
    problem = "The server is shutting down.";
  } else if (c.app.storage_problem) {
    problem = c.app.storage_problem();
    if (!problem.empty()) problem = "Storage cannot write: " + problem + ".";
  }
  if (!problem.empty()) {
    http::render_error(c.res, http::ErrorCode::kServiceUnavailable, problem);
    return c.finish();
  }
  c.res.status = 200;
  c.res.content_type = "application/json";
  c.res.body = "{\"status\":\"ok\"}";
  c.finish();
}

}  // namespace claribi::api
