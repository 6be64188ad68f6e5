#include "api/redoc_bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http/body_source.h"
#include "http/error.h"

#ifndef CLARIBI_REDOC_BUNDLE
#error "CLARIBI_REDOC_BUNDLE (the installed redoc.standalone.js) is set by src/api/CMakeLists.txt"
#endif

namespace claribi::api {

namespace {

// Redoc finds the <redoc> element and loads the document itself. The paths
// are absolute: the page is served at /api/docs/ and /api/docs alike.
constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>clariBI API reference</title>
</head>
<body>
<redoc spec-url="/api/schema/"></redoc>
<script src="/api/docs/redoc.standalone.js"></script>
</body>
</html>
)";

// Redoc's standalone bundle styles with inline <style> (styled-components) and
// runs its search index in a worker made from a blob: URL; everything else
// comes from this server.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; worker-src blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

// The shared bytes, handed out in parts: concurrent downloads share one copy.
class SharedBytesBody final : public http::BodySource {
 public:
  explicit SharedBytesBody(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  bool next(std::string& out, size_t max) override {
    size_t n = std::min(max, bytes_->size() - offset_);
    out.append(*bytes_, offset_, n);
    offset_ += n;
    return offset_ < bytes_->size();
  }

 private:
  std::shared_ptr<const std::string> bytes_;
  size_t offset_ = 0;
};

void answer_missing(http::Response& r) {
  http::render_error(r, http::ErrorCode::kServiceUnavailable,
                     "The API reference page needs the Redoc bundle (redoc.standalone.js), which was not installed "
                     "with this server: the build installs it with npm (tools/openapi/install.sh). The document "
                     "itself is at /api/schema/.");
}

}  // namespace

std::shared_ptr<const std::string> RedocBundle::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

std::shared_ptr<const std::string> RedocBundle::load(std::string* why) {
  if (auto b = bytes()) return b;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = path_ + ": " + std::strerror(errno);
    return nullptr;
  }
  auto data = std::make_shared<std::string>();
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data->reserve(size_t(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = path_ + ": " + std::strerror(errno);
      ::close(fd);
      return nullptr;
    }
    if (n == 0) break;
    data->append(buf, size_t(n));
  }
  ::close(fd);
  if (data->empty()) {
    *why = path_ + ": empty";
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!bytes_) bytes_ = std::move(data);
  return bytes_;
}

RedocBundle& installed_redoc_bundle() {
  static RedocBundle bundle(CLARIBI_REDOC_BUNDLE);
  return bundle;
}

void answer_docs_page(http::Response& r, const std::shared_ptr<const std::string>& bundle) {
  if (!bundle) return answer_missing(r);
  r.status = 200;
  r.content_type = "text/html; charset=utf-8";
  r.add_header("Content-Security-Policy", kPagePolicy);
  r.body.assign(kPage);
}

void answer_docs_script(http::Response& r, const std::shared_ptr<const std::string>& bundle) {
  if (!bundle) return answer_missing(r);
  r.status = 200;
  // A JavaScript type: every answer says X-Content-Type-Options: nosniff.
  r.content_type = "text/javascript; charset=utf-8";
  r.body.clear();
  r.stream = std::make_unique<SharedBytesBody>(bundle);
}

}  // namespace claribi::api
