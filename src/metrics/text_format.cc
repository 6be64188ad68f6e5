#include "metrics/text_format.h"

#include <charconv>

namespace claribi::metrics {
namespace {

// The shortest text that reads back as v, in plain decimals where that stays
// short (0.0005, not 5e-04 or 0.00050000000000000001).
void append_double(std::string& out, double v) {
  char buf[400];
  const double a = v < 0 ? -v : v;
  const bool plain = a == 0 || (a >= 1e-9 && a < 1e15);
  auto r = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                 : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, size_t(r.ptr - buf));
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, size_t(r.ptr - buf));
}

}  // namespace

std::string label(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
  return out;
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void TextWriter::series(std::string_view name, std::string_view suffix, std::string_view labels,
                        std::string_view extra) {
  out_.append(name).append(suffix);
  if (!labels.empty() || !extra.empty()) {
    out_ += '{';
    out_.append(labels);
    if (!labels.empty() && !extra.empty()) out_ += ',';
    out_.append(extra);
    out_ += '}';
  }
  out_ += ' ';
}

void TextWriter::sample(std::string_view name, std::string_view labels, uint64_t value) {
  series(name, "", labels, "");
  append_uint(out_, value);
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, std::string_view labels, double value) {
  series(name, "", labels, "");
  append_double(out_, value);
  out_ += '\n';
}

void TextWriter::histogram(std::string_view name, std::string_view labels, std::span<const uint64_t> bounds,
                           std::span<const uint64_t> buckets, uint64_t sum, double divisor) {
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= bounds.size() && i < buckets.size(); ++i) {
    cumulative += buckets[i];
    le = "le=\"";
    if (i < bounds.size()) {
      append_double(le, double(bounds[i]) / divisor);
    } else {
      le += "+Inf";
    }
    le += '"';
    series(name, "_bucket", labels, le);
    append_uint(out_, cumulative);
    out_ += '\n';
  }
  series(name, "_sum", labels, "");
  append_double(out_, double(sum) / divisor);
  out_ += '\n';
  series(name, "_count", labels, "");
  append_uint(out_, cumulative);
  out_ += '\n';
}

void TextWriter::histogram(std::string_view name, std::string_view labels, const Histogram& h, double divisor) {
  uint64_t buckets[Histogram::kMaxBounds + 1];
  for (size_t i = 0; i <= h.bounds().size(); ++i) buckets[i] = h.bucket(i);
  histogram(name, labels, h.bounds(), std::span<const uint64_t>(buckets, h.bounds().size() + 1), h.sum(), divisor);
}

}  // namespace claribi::metrics
