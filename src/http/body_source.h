// BodySource: a response body handed out in parts as the connection can
// take them, instead of one string rendered up front. A response with a
// source goes out with Transfer-Encoding: chunked (HttpSession frames the
// parts), except when the whole body turns out to fit in the first part,
// or for HEAD and HTTP/1.0, which get the body whole with Content-Length.
//
// PartsBody is the one source the server uses: a sequence of texts, each
// taken as is or as the inside of a JSON string (escaped part by part, cut
// only between UTF-8 sequences) — e.g. a stored report result, raw JSON or
// CSV inside a JSON document. Sources are pulled on the reactor thread and
// cannot fail once the head is out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace claribi::http {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Appends the next part (about `max` bytes; an escaped part may grow to
  // a few times that) to out. False when the body is complete with this part.
  virtual bool next(std::string& out, size_t max) = 0;
};

class PartsBody final : public BodySource {
 public:
  // Adds a text: as is, or escaped as the inside of a JSON string.
  PartsBody& add(std::string text, bool json_escaped = false);
  bool next(std::string& out, size_t max) override;

 private:
  struct Part {
    std::string text;
    bool escaped;
  };
  std::vector<Part> parts_;
  size_t part_ = 0;    // the part being written
  size_t offset_ = 0;  // bytes of it already written
};

}  // namespace claribi::http
