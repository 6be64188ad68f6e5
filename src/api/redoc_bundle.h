// The Redoc standalone bundle that GET /api/docs/ loads from
// GET /api/docs/redoc.standalone.js: a file the build installs beside the
// server (tools/openapi/install.sh copies it from the `redoc` npm package into
// the build tree; CLARIBI_REDOC_BUNDLE is its path). Read on first use, on the
// worker pool, and kept in memory; a missing file is not remembered, so a
// bundle installed later is picked up without a restart.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "http/response.h"

namespace claribi::api {

class RedocBundle {
 public:
  explicit RedocBundle(std::string path) : path_(std::move(path)) {}

  // The bytes once loaded, else null. Any thread.
  std::shared_ptr<const std::string> bytes() const;
  // Reads the file (blocking: call it off the reactors) and keeps it; null
  // when it cannot be read, with the reason in *why.
  std::shared_ptr<const std::string> load(std::string* why);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> bytes_;
};

// The bundle this server was built with.
RedocBundle& installed_redoc_bundle();

// The answers, given the bundle's bytes (null: not installed): the HTML page
// that renders /api/schema/ with it, and the script itself; 503 unavailable
// with the §3 body when there is no bundle, never a page that cannot render.
void answer_docs_page(http::Response& r, const std::shared_ptr<const std::string>& bundle);
void answer_docs_script(http::Response& r, const std::shared_ptr<const std::string>& bundle);

}  // namespace claribi::api
