// Key helpers that are not worth inlining (see keys.h).
#include "storage/keys.h"

namespace claribi::storage {

std::string prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(s.back());
    if (last != 0xff) {
      ++last;
      return s;
    }
    s.pop_back();
  }
  return s;  // no successor: scan to the end of the family
}

}  // namespace claribi::storage
