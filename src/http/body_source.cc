#include "http/body_source.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "common/json_writer.h"

namespace claribi::http {

namespace {

bool continuation(const std::string& s, size_t i) {
  return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
}

// A cut at or near `end` that does not split a UTF-8 sequence, so it is
// escaped (or, when invalid, replaced) whole: back to its lead byte (at
// most three steps), or past it when the sequence starts at `begin`.
size_t sequence_boundary(const std::string& s, size_t begin, size_t end) {
  size_t cut = end;
  while (cut > begin && end - cut < 3 && continuation(s, cut)) --cut;
  if (cut > begin) return cut;
  cut = end;
  while (cut - begin < 4 && continuation(s, cut)) ++cut;
  return cut;
}

}  // namespace

PartsBody& PartsBody::add(std::string text, bool json_escaped) {
  parts_.push_back(Part{std::move(text), json_escaped});
  return *this;
}

bool PartsBody::next(std::string& out, size_t max) {
  if (max == 0) max = 1;
  size_t budget = max;
  while (part_ < parts_.size() && budget > 0) {
    const Part& p = parts_[part_];
    size_t end = offset_ + std::min(budget, p.text.size() - offset_);
    if (p.escaped) end = sequence_boundary(p.text, offset_, end);
    std::string_view piece(p.text.data() + offset_, end - offset_);
    if (p.escaped) {
      JsonWriter::append_escaped(out, piece);
    } else {
      out.append(piece);
    }
    budget -= std::min(budget, piece.size());
    offset_ = end;
    if (offset_ == p.text.size()) {
      parts_[part_].text = std::string();  // written: let it go
      ++part_;
      offset_ = 0;
    }
  }
  return part_ < parts_.size();
}

}  // namespace claribi::http
